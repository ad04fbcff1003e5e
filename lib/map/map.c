// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The map object: an owned or wrapped VMX/SVM intercept map. Thin hosted
 * layer over the freestanding raw functions in core/map.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <msrtrap/map.h>

#include "util/opts.h"

struct msrtrap_map {
	enum msrtrap_format fmt;
	bool owned;
	uint8_t *data;
};

int msrtrap_map_new(enum msrtrap_format fmt,
		    const struct msrtrap_map_opts *opts,
		    struct msrtrap_map **out)
{
	size_t size = msrtrap_format_size(fmt);
	struct msrtrap_map *map;
	void *buf = OPTS_GET(opts, buf, NULL);
	bool keep = OPTS_GET(opts, keep_contents, false);

	if (!out || !size || !OPTS_VALID(opts, msrtrap_map_opts))
		return -EINVAL;
	if (buf && ((uintptr_t)buf & 7))
		return -EINVAL;
	if (!buf && keep)
		return -EINVAL;
	map = calloc(1, sizeof(*map));
	if (!map)
		return -ENOMEM;
	map->fmt = fmt;
	if (buf) {
		map->data = buf;
	} else {
		/* a page, like the hardware wants it */
		map->data = aligned_alloc(4096, size);
		map->owned = true;
		if (!map->data) {
			free(map);
			return -ENOMEM;
		}
	}
	if (!keep)
		msrtrap_raw_init(fmt, map->data);
	*out = map;
	return 0;
}

int msrtrap_map_from_bytes(enum msrtrap_format fmt, const void *data,
			   size_t len, struct msrtrap_map **out)
{
	struct msrtrap_map *map;
	int err;

	if (!data || !out)
		return -EINVAL;
	if (fmt == MSRTRAP_FMT_NONE) {
		if (len == MSRTRAP_VMX_BITMAP_SIZE)
			fmt = MSRTRAP_FMT_VMX;
		else if (len == MSRTRAP_SVM_MSRPM_SIZE)
			fmt = MSRTRAP_FMT_SVM;
		else
			return -EINVAL;
	}
	if (msrtrap_format_size(fmt) != len)
		return -EINVAL;
	err = msrtrap_map_new(fmt, NULL, &map);
	if (err)
		return err;
	memcpy(map->data, data, len);
	*out = map;
	return 0;
}

void msrtrap_map_free(struct msrtrap_map *map)
{
	if (!map)
		return;
	if (map->owned)
		free(map->data);
	free(map);
}

enum msrtrap_format msrtrap_map_format(const struct msrtrap_map *map)
{
	return map ? map->fmt : MSRTRAP_FMT_NONE;
}

size_t msrtrap_map_size(const struct msrtrap_map *map)
{
	return map ? msrtrap_format_size(map->fmt) : 0;
}

const void *msrtrap_map_data(const struct msrtrap_map *map)
{
	return map ? map->data : NULL;
}

int msrtrap_map_test(const struct msrtrap_map *map, uint32_t msr,
		     enum msrtrap_access access)
{
	if (!map)
		return -EINVAL;
	return msrtrap_raw_test(map->fmt, map->data, msr, access);
}

int msrtrap_map_set(struct msrtrap_map *map, uint32_t msr,
		    enum msrtrap_access access)
{
	if (!map)
		return -EINVAL;
	return msrtrap_raw_set(map->fmt, map->data, msr, access);
}

int msrtrap_map_clear(struct msrtrap_map *map, uint32_t msr,
		      enum msrtrap_access access)
{
	if (!map)
		return -EINVAL;
	return msrtrap_raw_clear(map->fmt, map->data, msr, access);
}

int msrtrap_map_set_range(struct msrtrap_map *map, uint32_t first,
			  uint32_t last, enum msrtrap_access access)
{
	if (!map)
		return -EINVAL;
	return msrtrap_raw_set_range(map->fmt, map->data, first, last, access);
}

int msrtrap_map_clear_range(struct msrtrap_map *map, uint32_t first,
			    uint32_t last, enum msrtrap_access access)
{
	if (!map)
		return -EINVAL;
	return msrtrap_raw_clear_range(map->fmt, map->data, first, last,
				       access);
}

int msrtrap_map_next_pass(const struct msrtrap_map *map,
			  enum msrtrap_access access,
			  uint64_t *cursor, uint32_t *first, uint32_t *last)
{
	if (!map)
		return -EINVAL;
	return msrtrap_raw_next_pass(map->fmt, map->data, access, cursor,
				     first, last);
}
