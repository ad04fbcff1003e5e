// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msrtrap explain for a policy: the rule that decides, named by its line
 * and written as "VERDICT ACCESS TARGET" with the deciding target as it
 * stands in the source, or the default:
 *
 *	  read:  rule at line 7 (deny rw IA32_EFER) decides -> deny
 *	  write: no rule names it for write: default deny (line 1) -> deny
 */
#include <stdio.h>
#include <string.h>

#include <msrtrap/msrtrap.h>

#include "input.h"
#include "cli.h"

/*
 * The target at line:column of the source, up to the next whitespace or
 * comment, into buf (at most size - 1 bytes). Empty when out of reach.
 */
static void source_token(const struct input *in, unsigned int line,
			 unsigned int column, char *buf, size_t size)
{
	const char *p = in->text, *end;
	size_t n = 0;

	buf[0] = 0;
	if (!p || !line || !column)
		return;
	end = p + in->text_len; /* not before the check: NULL + n is undefined */
	for (unsigned int l = 1; l < line && p < end; l++) {
		p = memchr(p, '\n', (size_t)(end - p));
		if (!p)
			return;
		p++;
	}
	if ((size_t)(end - p) < column - 1)
		return;
	p += column - 1;
	while (p < end && n + 1 < size && !strchr(" \t\v\f\r\n#", *p))
		buf[n++] = *p++;
	buf[n] = 0;
}

void explain_policy_access(const struct input *in, uint32_t msr,
			   unsigned int access, json_t *out)
{
	MSRTRAP_OPTS(msrtrap_policy_decision, d);
	MSRTRAP_OPTS(msrtrap_policy_rule, r);
	const char *aname = msrtrap_access_name(access, MSRTRAP_ACCESS_NAME);
	char target[128], rule[192];
	bool x2apic = msrtrap_msr_is_x2apic(msr);

	msrtrap_policy_explain(in->policy, msr, access, &d);
	if (!d.by_default) {
		msrtrap_policy_rule(in->policy, d.rule, &r);
		source_token(in, d.line, d.column, target, sizeof(target));
		snprintf(rule, sizeof(rule), "%s %s %s", r.allow ? "allow" : "deny",
			 msrtrap_access_name(r.access, MSRTRAP_ACCESS_WORD),
			 target);
	}
	if (out) {
		json_t *j = json_pack("{s:s, s:s}", "verdict",
				      d.allowed ? "allow" : "deny", "by",
				      d.by_default ? "default" : "rule");

		if (!d.by_default) {
			json_object_set_new(j, "line", json_integer(r.line));
			json_object_set_new(j, "column", json_integer(d.column));
			json_object_set_new(j, "rule", json_string(rule));
		} else {
			json_object_set_new(j, "line", json_integer(d.line));
		}
		if (x2apic && !d.allowed)
			json_object_set_new(j, "kvm", json_string("allow"));
		json_object_set_new(out, aname, j);
		return;
	}
	printf("  %-6s ", access == MSRTRAP_READ ? "read:" : "write:");
	if (!d.by_default)
		printf("rule at line %u (%s) decides -> %s\n", r.line, rule,
		       d.allowed ? "allow" : "deny");
	else if (d.line)
		printf("no rule names it for %s: default %s (line %u) -> %s\n",
		       aname, d.allowed ? "allow" : "deny", d.line,
		       d.allowed ? "allow" : "deny");
	else
		printf("no rule names it for %s: the implicit default allow -> allow\n",
		       aname);
	if (x2apic && !d.allowed)
		printf("%9snote: KVM never filters x2APIC MSRs: a KVM filter "
		       "compiled from this policy allows it\n", "");
}
