/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The public compiled filter: the freestanding core layout
 * (core/filter_core.h) plus the hosted allocation behind it. For
 * cfilter.c, which builds it, and the engine, which hands the core
 * layout to the per-vCPU core.
 */
#ifndef MSRTRAP_LIB_FILTER_CFILTER_INTERNAL_H
#define MSRTRAP_LIB_FILTER_CFILTER_INTERNAL_H

#include "core/filter_core.h"

struct msrtrap_cfilter {
	struct mt_cfilter core;
	void *mem; /* one allocation holding buckets and bits */
};

#endif
