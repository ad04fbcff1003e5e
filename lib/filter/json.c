// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The JSON interchange format of KVM userspace MSR filters
 * (docs/filter-json.md): loading with jansson, writing with the string
 * builder (util/strbuf.h) so the layout is stable.
 *
 * Loading keeps whatever the ABI struct can hold, invalid values included,
 * and leaves judgment to msrtrap_filter_validate() (spec §3.2), so that a
 * check of a JSON file answers with the errno the kernel would return.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <msrtrap/filter.h>
#include <msrtrap/json.h>

#include "util/error.h"
#include "util/strbuf.h"

struct loader {
	struct msrtrap_error *diag;
	/*
	 * Set when the document was re-read with every number as a real
	 * (to find the key of an integer jansson could not hold): integral
	 * reals then count as integers.
	 */
	bool ints_as_reals;
};

/* A JSON integer (or, when re-reading, an integral real) within u32. */
static bool json_u32(const struct loader *ld, const json_t *v, uint32_t *out)
{
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);

		if (i < 0 || i > (json_int_t)UINT32_MAX)
			return false;
		*out = (uint32_t)i;
		return true;
	}
	if (ld->ints_as_reals && json_is_real(v)) {
		double d = json_real_value(v);

		if (!(d >= 0 && d <= (double)UINT32_MAX) || d != (double)(uint32_t)d)
			return false;
		*out = (uint32_t)d;
		return true;
	}
	return false;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "0x..." (any number of hex digits, value within u32). */
static bool hex_u32(const char *s, size_t len, uint32_t *out)
{
	uint64_t v = 0;

	if (len < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return false;
	for (size_t i = 2; i < len; i++) {
		int d = hex_digit(s[i]);

		if (d < 0)
			return false;
		v = v << 4 | (uint64_t)d;
		if (v > UINT32_MAX)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

/* "parent.key" (just "key" at the top), cut to fit `size`. */
static void path(char *buf, size_t size, const char *parent, const char *key)
{
	size_t n = strlen(parent), k = strlen(key);

	if (n >= size)
		n = size - 1;
	memcpy(buf, parent, n);
	if (n && n + 1 < size)
		buf[n++] = '.';
	if (k > size - 1 - n)
		k = size - 1 - n;
	memcpy(buf + n, key, k);
	buf[n + k] = 0;
}

/*
 * Unknown keys are errors. `where` names the key when it fits in
 * diag.where; otherwise the object, with the key in the message.
 */
static int check_keys(struct loader *ld, json_t *obj, const char *parent,
		      const char *const *known, const char *expected)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		char where[sizeof(ld->diag->where)];
		bool ok = false;

		for (const char *const *k = known; *k; k++)
			ok |= !strcmp(key, *k);
		if (ok)
			continue;
		for (const char *c = key; *c; c++)
			if (*c < 0x20 || *c > 0x7e || *c == '"')
				return mt_error_set(ld->diag, -EINVAL, parent,
						    "unknown key with unprintable characters (expected %s)",
						    expected);
		if (strlen(parent) + 1 + strlen(key) < sizeof(where)) {
			path(where, sizeof(where), parent, key);
			return mt_error_set(ld->diag, -EINVAL, where,
					    "unknown key (expected %s)",
					    expected);
		}
		return mt_error_set(ld->diag, -EINVAL, parent,
				    "unknown key \"%.60s\" (expected %s)", key,
				    expected);
	}
	return 0;
}

static int load_range_flags(struct loader *ld, json_t *v, const char *where,
			    uint32_t *flags)
{
	size_t i;
	json_t *e;

	if (json_u32(ld, v, flags))
		return 0;
	if (!json_is_array(v))
		return mt_error_set(ld->diag, -EINVAL, where,
				    "not a 32-bit integer or an array of \"read\", \"write\"");
	*flags = 0;
	json_array_foreach(v, i, e) {
		const char *s = json_string_value(e);
		uint32_t bit;

		if (s && !strcmp(s, "read"))
			bit = MSRTRAP_KVM_MSR_FILTER_READ;
		else if (s && !strcmp(s, "write"))
			bit = MSRTRAP_KVM_MSR_FILTER_WRITE;
		else if (s)
			return mt_error_set(ld->diag, -EINVAL, where,
					    "unknown access \"%.40s\" (expected \"read\" or \"write\")",
					    s);
		else
			return mt_error_set(ld->diag, -EINVAL, where,
					    "element %zu is not \"read\" or \"write\"",
					    i);
		if (*flags & bit)
			return mt_error_set(ld->diag, -EINVAL, where,
					    "\"%s\" given twice", s);
		*flags |= bit;
	}
	return 0;
}

/*
 * The bitmap bytes to keep (see msrtrap_filter_from_json()): *bytes is
 * NULL with *len 0 for no bitmap, else malloc'ed (at least 1 byte, so an
 * empty bitmap stays distinguishable from none).
 */
static int load_bitmap(struct loader *ld, json_t *v, const char *where,
		       uint32_t nmsrs, uint8_t **bytes, size_t *len)
{
	uint64_t need = ((uint64_t)nmsrs + 7) / 8;
	size_t digits, given, keep, alloc;
	const char *s;
	uint8_t *buf;

	*bytes = NULL;
	*len = 0;
	if (!v)
		return 0;
	if (!json_is_string(v))
		return mt_error_set(ld->diag, -EINVAL, where,
				    "not a hex string");
	s = json_string_value(v);
	digits = json_string_length(v);
	for (size_t i = 0; i < digits; i++)
		if (hex_digit(s[i]) < 0)
			return mt_error_set(ld->diag, -EINVAL, where,
					    "not a hex digit at offset %zu", i);
	if (digits % 2)
		return mt_error_set(ld->diag, -EINVAL, where,
				    "odd number of hex digits (%zu); 2 per byte",
				    digits);
	given = digits / 2;
	if (nmsrs == 0)
		return 0; /* the kernel never looks at it */
	keep = given < need ? given : (size_t)need;
	alloc = keep;
	if (nmsrs <= MSRTRAP_KVM_MSR_FILTER_MAX_NMSRS && keep == need)
		alloc = msrtrap_kvm_bitmap_bytes(nmsrs); /* whole words */
	buf = calloc(alloc ? alloc : 1, 1);
	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < keep; i++)
		buf[i] = (uint8_t)(hex_digit(s[2 * i]) << 4 | hex_digit(s[2 * i + 1]));
	*bytes = buf;
	*len = alloc;
	return 0;
}

/*
 * Member @key of the range object @r, its path ("ranges[3].base") in
 * @where; NULL, with diag set, when it is missing.
 */
static json_t *required(struct loader *ld, json_t *r, const char *parent,
			const char *key, char *where, size_t size)
{
	json_t *v;

	path(where, size, parent, key);
	v = json_object_get(r, key);
	if (!v)
		mt_error_set(ld->diag, -EINVAL, where, "missing");
	return v;
}

static int load_range(struct loader *ld, json_t *r, unsigned int idx,
		      struct msrtrap_filter *f)
{
	static const char *const known[] = { "flags", "base", "nmsrs",
					     "bitmap", NULL };
	char parent[sizeof(ld->diag->where)], where[sizeof(ld->diag->where)];
	uint32_t flags = 0, base = 0, nmsrs = 0;
	uint8_t *bitmap;
	size_t len;
	json_t *v;
	int err;

	snprintf(parent, sizeof(parent), "ranges[%u]", idx);
	if (!json_is_object(r))
		return mt_error_set(ld->diag, -EINVAL, parent, "not an object");
	err = check_keys(ld, r, parent, known,
			 "flags, base, nmsrs, bitmap");
	if (err)
		return err;

	v = required(ld, r, parent, "flags", where, sizeof(where));
	if (!v)
		return -EINVAL;
	err = load_range_flags(ld, v, where, &flags);
	if (err)
		return err;

	v = required(ld, r, parent, "base", where, sizeof(where));
	if (!v)
		return -EINVAL;
	if (!json_u32(ld, v, &base) &&
	    !(json_is_string(v) &&
	      hex_u32(json_string_value(v), json_string_length(v), &base)))
		return mt_error_set(ld->diag, -EINVAL, where,
				    "not a 32-bit integer or \"0x...\" hex string");

	v = required(ld, r, parent, "nmsrs", where, sizeof(where));
	if (!v)
		return -EINVAL;
	if (!json_u32(ld, v, &nmsrs))
		return mt_error_set(ld->diag, -EINVAL, where,
				    "not a 32-bit integer");

	path(where, sizeof(where), parent, "bitmap");
	err = load_bitmap(ld, json_object_get(r, "bitmap"), where, nmsrs,
			  &bitmap, &len);
	if (err)
		return err;
	err = msrtrap_filter_add_range(f, flags, base, nmsrs, bitmap, len);
	free(bitmap);
	return err;
}

static int load_doc(struct loader *ld, json_t *doc, struct msrtrap_filter **out)
{
	static const char *const known[] = { "default", "flags", "ranges",
					     NULL };
	json_t *def, *flags_v, *ranges, *r;
	struct msrtrap_filter *f;
	uint32_t flags = MSRTRAP_KVM_MSR_FILTER_DEFAULT_ALLOW;
	size_t i;
	int err;

	if (!json_is_object(doc))
		return mt_error_set(ld->diag, -EINVAL, "",
				    "the document is not a JSON object");
	err = check_keys(ld, doc, "", known, "default, flags, ranges");
	if (err)
		return err;
	def = json_object_get(doc, "default");
	flags_v = json_object_get(doc, "flags");
	if (def && flags_v)
		return mt_error_set(ld->diag, -EINVAL, "flags",
				    "\"default\" and \"flags\" both given; use one");
	if (def) {
		const char *s = json_string_value(def);

		if (s && !strcmp(s, "allow"))
			flags = MSRTRAP_KVM_MSR_FILTER_DEFAULT_ALLOW;
		else if (s && !strcmp(s, "deny"))
			flags = MSRTRAP_KVM_MSR_FILTER_DEFAULT_DENY;
		else
			return mt_error_set(ld->diag, -EINVAL, "default",
					    "not \"allow\" or \"deny\"");
	}
	if (flags_v && !json_u32(ld, flags_v, &flags))
		return mt_error_set(ld->diag, -EINVAL, "flags",
				    "not a 32-bit integer");
	ranges = json_object_get(doc, "ranges");
	if (ranges && !json_is_array(ranges))
		return mt_error_set(ld->diag, -EINVAL, "ranges",
				    "not an array");
	if (json_array_size(ranges) > MSRTRAP_KVM_MSR_FILTER_MAX_RANGES)
		return mt_error_set(ld->diag, -EINVAL, "ranges",
				    "%zu ranges; the ABI has %d slots",
				    json_array_size(ranges),
				    MSRTRAP_KVM_MSR_FILTER_MAX_RANGES);

	err = msrtrap_filter_new(flags, &f);
	if (err)
		return err;
	json_array_foreach(ranges, i, r) {
		err = load_range(ld, r, (unsigned int)i, f);
		if (err) {
			msrtrap_filter_free(f);
			return err;
		}
	}
	*out = f;
	return 0;
}

/*
 * The number of elements of the top-level "ranges" array, counted in one
 * pass over the bytes without building anything: json_loadb() holds the
 * whole tree (about 17 bytes per input byte for a million ranges) before
 * load_doc() could refuse more than 16, so a document with too many is
 * refused here in constant memory. Strings are skipped with their
 * escapes; nesting is a depth count. Malformed JSON only makes the count
 * approximate: the real parse reports it (when the count is at most 16),
 * and a count above 16 is refused either way.
 */
static size_t count_ranges(const char *s, size_t len)
{
	unsigned long depth = 0;
	bool key_is_ranges = false, in_ranges = false, done = false;
	bool any = false;
	size_t commas = 0;

	for (size_t i = 0; i < len && !done; i++) {
		size_t start;

		switch (s[i]) {
		case '"':
			for (start = ++i; i < len && s[i] != '"'; i++)
				i += s[i] == '\\';
			/* an escape as the last byte leaves i at len + 1: only a
			 * string closed inside the buffer can be the key */
			if (depth == 1)
				key_is_ranges = i < len && i - start == 6 &&
						!memcmp(s + start, "ranges", 6);
			any |= in_ranges && depth == 2;
			break;
		case '{':
		case '[':
			if (depth == 1 && s[i] == '[' && key_is_ranges)
				in_ranges = true;
			else
				any |= in_ranges && depth == 2;
			depth++;
			break;
		case '}':
		case ']':
			depth -= depth > 0;
			done = in_ranges && depth == 1; /* only the first */
			break;
		case ',':
			commas += in_ranges && depth == 2;
			break;
		case ' ':
		case '\t':
		case '\n':
		case '\r':
			break;
		default:
			any |= in_ranges && depth == 2;
		}
	}
	return any ? commas + 1 : 0;
}

/*
 * Did jansson fail to copy a string token it had read in full? Its lexer
 * then returns an invalid token and sets no error of its own, so the
 * parser's "invalid token" (a value) or "string or '}' expected" (a key)
 * is the first, and only, error: at the byte after the string's closing
 * quote. No token jansson really finds invalid ends there: an unknown
 * word ends in a letter, a stray byte is never '"' (that starts a
 * string), and a string that is malformed or cut short gets its own
 * message (invalid escape, control character, premature end of input)
 * first, which jansson keeps. So this is out of memory, told per call
 * from the text alone (json_set_alloc_funcs() is process-global).
 */
static bool string_copy_failed(const json_error_t *jerr, const char *text,
			       size_t len)
{
	size_t end = jerr->position;

	if (strncmp(jerr->text, "invalid token", 13) &&
	    strncmp(jerr->text, "string or '}' expected", 22))
		return false;
	return text && end > 0 && end <= len && text[end - 1] == '"';
}

/*
 * jansson's error as ours: out of memory is -ENOMEM, not a syntax error
 * at "line -1". jansson 2.14 rarely says json_error_out_of_memory: a
 * container it could not allocate is reported without a position (line
 * -1), which no syntax error lacks, so that is read as out of memory too,
 * and so is a string token it could not copy (string_copy_failed()).
 */
static int load_error(struct loader *ld, const json_error_t *jerr,
		      const char *text, size_t len)
{
	static const char flag[] = " without JSON_ALLOW_NUL";
	const char *cut = strstr(jerr->text, flag);
	char where[sizeof(ld->diag->where)];

	if (json_error_code(jerr) == json_error_out_of_memory ||
	    jerr->line < 0 || string_copy_failed(jerr, text, len))
		return mt_error_set(ld->diag, -ENOMEM, "", "out of memory");
	snprintf(where, sizeof(where), "line %d, column %d", jerr->line,
		 jerr->column);
	/* jansson's flag is no concern of ours: NUL is never allowed */
	if (json_error_code(jerr) == json_error_null_character && cut)
		return mt_error_set(ld->diag, -EINVAL, where, "%.*s%s",
				    (int)(cut - jerr->text), jerr->text,
				    cut + strlen(flag));
	return mt_error_set(ld->diag, -EINVAL, where, "%s", jerr->text);
}

int msrtrap_filter_from_json(const char *text, size_t len,
			     struct msrtrap_filter **out,
			     struct msrtrap_error *diag)
{
	struct loader ld = { .diag = diag };
	/* jansson leaves them unset when an allocation fails early: then
	 * they read as "no position", i.e. out of memory (load_error()) */
	json_error_t jerr = { .line = -1 }, jerr2 = { .line = -1 };
	json_t *doc;
	size_t nranges;
	int err;

	mt_error_clear(diag);
	if (!out || (!text && len))
		return -EINVAL;
	nranges = count_ranges(text, len);
	if (nranges > MSRTRAP_KVM_MSR_FILTER_MAX_RANGES)
		return mt_error_set(ld.diag, -EINVAL, "ranges",
				    "%zu ranges; the ABI has %d slots", nranges,
				    MSRTRAP_KVM_MSR_FILTER_MAX_RANGES);
	doc = json_loadb(text ? text : "", len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc && !strncmp(jerr.text, "too big", 7)) {
		/*
		 * An integer beyond what jansson holds: read every number as
		 * a real to name the key it belongs to.
		 */
		doc = json_loadb(text, len,
				 JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL,
				 &jerr2);
		ld.ints_as_reals = true;
		if (doc) {
			struct msrtrap_filter *f = NULL;

			err = load_doc(&ld, doc, &f);
			json_decref(doc);
			msrtrap_filter_free(f);
			if (err)
				return err;
			doc = NULL; /* it loaded: report jansson's own error */
		} else if (json_error_code(&jerr2) == json_error_out_of_memory) {
			return load_error(&ld, &jerr2, text, len);
		}
	}
	if (!doc)
		return load_error(&ld, &jerr, text, len);
	err = load_doc(&ld, doc, out);
	json_decref(doc);
	return err;
}

/* ---- writing ---- */

static void put_range(struct mt_strbuf *b, const struct msrtrap_filter_range *r)
{
	static const char *const access[] = { NULL, "[\"read\"]", "[\"write\"]",
					      "[\"read\", \"write\"]" };
	uint64_t need = ((uint64_t)r->nmsrs + 7) / 8;

	mt_strbuf_printf(b, "    {\n");
	if (r->flags >= 1 && r->flags <= 3)
		mt_strbuf_printf(b, "      \"flags\": %s,\n", access[r->flags]);
	else
		mt_strbuf_printf(b, "      \"flags\": %u,\n", r->flags);
	mt_strbuf_printf(b, "      \"base\": \"0x%x\",\n", r->base);
	mt_strbuf_printf(b, "      \"nmsrs\": %u", r->nmsrs);
	if (r->nmsrs && r->bitmap) {
		mt_strbuf_printf(b, ",\n      \"bitmap\": \"");
		mt_strbuf_hex(b, r->bitmap,
			r->bitmap_len < need ? r->bitmap_len : (size_t)need);
		mt_strbuf_printf(b, "\"");
	}
	mt_strbuf_printf(b, "\n    }");
}

int msrtrap_filter_to_json(const struct msrtrap_filter *filter, char **text)
{
	struct mt_strbuf b = MT_STRBUF_INIT;
	unsigned int n;
	uint32_t flags;

	if (!filter || !text)
		return -EINVAL;
	flags = msrtrap_filter_flags(filter);
	n = msrtrap_filter_nranges(filter);
	if (flags == MSRTRAP_KVM_MSR_FILTER_DEFAULT_ALLOW)
		mt_strbuf_printf(&b, "{\n  \"default\": \"allow\",\n");
	else if (flags == MSRTRAP_KVM_MSR_FILTER_DEFAULT_DENY)
		mt_strbuf_printf(&b, "{\n  \"default\": \"deny\",\n");
	else
		mt_strbuf_printf(&b, "{\n  \"flags\": %u,\n", flags);
	mt_strbuf_printf(&b, "  \"ranges\": [%s", n ? "\n" : "");
	for (unsigned int i = 0; i < n; i++) {
		struct msrtrap_filter_range r;

		int err = msrtrap_filter_range(filter, i, &r);

		if (err) { /* cannot happen: i < n */
			mt_strbuf_fini(&b);
			return err;
		}
		put_range(&b, &r);
		mt_strbuf_printf(&b, "%s\n", i + 1 < n ? "," : "");
	}
	mt_strbuf_printf(&b, "%s]\n}\n", n ? "  " : "");
	*text = mt_strbuf_steal(&b, NULL);
	return *text ? 0 : -ENOMEM;
}
