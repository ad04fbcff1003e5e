/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmsrtrap: x86 virtualization MSR interception. Umbrella header. */
#ifndef MSRTRAP_MSRTRAP_H
#define MSRTRAP_MSRTRAP_H

#include <msrtrap/common.h>
#include <msrtrap/compile.h>
#include <msrtrap/diags.h>
#include <msrtrap/engine.h>
#include <msrtrap/filter.h>
#include <msrtrap/json.h>
#include <msrtrap/kvm.h>
#include <msrtrap/map.h>
#include <msrtrap/names.h>
#include <msrtrap/nested.h>
#include <msrtrap/x2apic.h>
#include <msrtrap/policy.h>
#include <msrtrap/publisher.h>
#include <msrtrap/version.h>

#endif
