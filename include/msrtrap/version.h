/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The version of the headers a program is compiled against, for
 * compile-time checks (#if MSRTRAP_VERSION_MINOR >= 2); msrtrap_version()
 * in <msrtrap/common.h> returns the version of the library it runs with,
 * MSRTRAP_VERSION_STRING when the two agree.
 *
 * Symbols are versioned by MAJOR.MINOR (the MSRTRAP_MAJOR.MINOR nodes of
 * the shared library's symbol map); the build fails when the project
 * version and this header or the newest node disagree.
 */
#ifndef MSRTRAP_VERSION_H
#define MSRTRAP_VERSION_H

#define MSRTRAP_VERSION_MAJOR 0
#define MSRTRAP_VERSION_MINOR 1
#define MSRTRAP_VERSION_PATCH 0
#define MSRTRAP_VERSION_STRING "0.1.0"

#endif /* MSRTRAP_VERSION_H */
