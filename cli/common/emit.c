// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Source-code outputs for the two audiences the C initializer misses:
 * Rust VMMs (--to rust), which cannot include <linux/kvm.h>, and bare-metal
 * hypervisors (--to vmx-c, --to svm-c), which want the hardware map in
 * their image rather than a file to load.
 */
#include <string.h>

#include "emit.h"
#include "util/strbuf.h"

/* C11, C23 and the GNU dialect's `asm`: a file with any of them breaks. */
static const char *const c_keywords[] = {
	"_Alignas", "_Alignof", "_Atomic", "_BitInt", "_Bool", "_Complex",
	"_Decimal128", "_Decimal32", "_Decimal64", "_Generic", "_Imaginary",
	"_Noreturn", "_Static_assert", "_Thread_local", "alignas", "alignof",
	"asm", "auto", "bool", "break", "case", "char", "const", "constexpr",
	"continue", "default", "do", "double", "else", "enum", "extern",
	"false", "float", "for", "goto", "if", "inline", "int", "long",
	"nullptr", "register", "restrict", "return", "short", "signed",
	"sizeof", "static", "static_assert", "struct", "switch",
	"thread_local", "true", "typedef", "typeof", "typeof_unqual", "union",
	"unsigned", "void", "volatile", "while",
};

/*
 * Rust 2021's strict and reserved keywords, and `_`: none can name a
 * function (weak keywords such as `union` can). Then the module's own
 * items in the function's namespace (a tuple struct's constructor is
 * there too), which `pub fn NAME` would clash with.
 */
static const char *const rust_keywords[] = {
	"Bitmap", "KVM_MSR_FILTER_DEFAULT_ALLOW", "KVM_MSR_FILTER_DEFAULT_DENY",
	"KVM_MSR_FILTER_MAX_RANGES", "KVM_MSR_FILTER_READ",
	"KVM_MSR_FILTER_WRITE", "KVM_X86_SET_MSR_FILTER",
	"Self", "_", "abstract", "as", "async", "await", "become", "box",
	"break", "const", "continue", "crate", "do", "dyn", "else", "enum",
	"extern", "false", "final", "fn", "for", "if", "impl", "in", "let",
	"loop", "macro", "match", "mod", "move", "mut", "override", "priv",
	"pub", "ref", "return", "self", "static", "struct", "super", "trait",
	"true", "try", "type", "typeof", "unsafe", "unsized", "use",
	"virtual", "where", "while", "yield",
};

static bool in_list(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(name, list[i]))
			return true;
	return false;
}

bool emit_c_keyword(const char *name)
{
	return in_list(name, c_keywords,
		       sizeof(c_keywords) / sizeof(c_keywords[0]));
}

bool emit_rust_keyword(const char *name)
{
	return in_list(name, rust_keywords,
		       sizeof(rust_keywords) / sizeof(rust_keywords[0]));
}

/*
 * The input's name inside a comment of the output: a newline would end a
 * `//` comment and a star then a slash a C one, so neither may reach the
 * file as is.
 */
static void put_label(struct mt_strbuf *b, const char *label)
{
	for (const char *s = label; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			mt_strbuf_putc(b, '?');
		else if (c == '*' && s[1] == '/')
			mt_strbuf_put(b, "* ", 2);
		else
			mt_strbuf_putc(b, (char)c);
	}
}

/* ---- Rust ---- */

/*
 * The ABI mirror. Layouts are those of <linux/kvm.h> (checked on 64-bit
 * targets at compile time), the ioctl number is computed from the size,
 * as _IOW() does, so it stays right on 32-bit targets too.
 */
static const char rust_abi[] =
	"pub const KVM_MSR_FILTER_READ: u32 = 1 << 0;\n"
	"pub const KVM_MSR_FILTER_WRITE: u32 = 1 << 1;\n"
	"pub const KVM_MSR_FILTER_DEFAULT_ALLOW: u32 = 0;\n"
	"pub const KVM_MSR_FILTER_DEFAULT_DENY: u32 = 1 << 0;\n"
	"pub const KVM_MSR_FILTER_MAX_RANGES: usize = 16;\n"
	"\n"
	"/// struct kvm_msr_filter_range of <linux/kvm.h>.\n"
	"#[repr(C)]\n"
	"#[derive(Clone, Copy, Debug)]\n"
	"pub struct KvmMsrFilterRange {\n"
	"    pub flags: u32,\n"
	"    pub nmsrs: u32,\n"
	"    pub base: u32,\n"
	"    pub bitmap: *const u8,\n"
	"}\n"
	"\n"
	"/// struct kvm_msr_filter of <linux/kvm.h>.\n"
	"#[repr(C)]\n"
	"#[derive(Clone, Copy, Debug)]\n"
	"pub struct KvmMsrFilter {\n"
	"    pub flags: u32,\n"
	"    pub ranges: [KvmMsrFilterRange; KVM_MSR_FILTER_MAX_RANGES],\n"
	"}\n"
	"\n"
	"#[cfg(target_pointer_width = \"64\")]\n"
	"const _: () = assert!(\n"
	"    core::mem::size_of::<KvmMsrFilterRange>() == 24\n"
	"        && core::mem::size_of::<KvmMsrFilter>() == 392\n"
	");\n"
	"\n"
	"/// _IOW(KVMIO, 0xc6, struct kvm_msr_filter)\n"
	"pub const KVM_X86_SET_MSR_FILTER: u64 = (1 << 30)\n"
	"    | ((core::mem::size_of::<KvmMsrFilter>() as u64) << 16)\n"
	"    | (0xae << 8)\n"
	"    | 0xc6;\n"
	"\n"
	"/// One range as data; the kernel copies ceil(nmsrs / 64) 8-byte words\n"
	"/// of its bitmap, which holds exactly that many.\n"
	"#[derive(Clone, Copy, Debug)]\n"
	"pub struct MsrFilterRange {\n"
	"    pub flags: u32,\n"
	"    pub base: u32,\n"
	"    pub nmsrs: u32,\n"
	"    pub bitmap: &'static [u8],\n"
	"}\n"
	"\n"
	"/// A bitmap in whole 8-byte words, 8-byte aligned as the C output's.\n"
	"#[repr(C, align(8))]\n"
	"pub struct Bitmap<const N: usize>(pub [u8; N]);\n";

const char *const emit_vmm_lines[] = {
	"A denied access exits to the VMM (KVM_EXIT_X86_RDMSR/WRMSR) only",
	"after KVM_ENABLE_CAP(KVM_CAP_X86_USER_SPACE_MSR) on the VM with",
	"args[0] = KVM_MSR_EXIT_REASON_FILTER; without it the guest gets #GP.",
	"Answer in run->msr: .index says which MSR, .data a write's value;",
	"set .data for a read, or .error = 1 to inject #GP. Another",
	"KVM_X86_SET_MSR_FILTER replaces the filter at any time.",
	NULL,
};

bool emit_placeholder(const struct msrtrap_filter *f)
{
	unsigned int n = msrtrap_filter_nranges(f);

	if (!(msrtrap_filter_flags(f) & MSRTRAP_KVM_MSR_FILTER_DEFAULT_DENY) ||
	    n == 0)
		return false;
	for (unsigned int i = 0; i < n; i++) {
		struct msrtrap_filter_range r;

		if (msrtrap_filter_range(f, i, &r))
			return false;
		for (uint32_t m = 0; m < r.nmsrs; m++)
			if (m / 8 < r.bitmap_len && r.bitmap[m / 8] >> (m % 8) & 1)
				return false;
	}
	return true;
}

const char *emit_kvm_flags(uint32_t flags)
{
	switch (flags) {
	case MSRTRAP_KVM_MSR_FILTER_READ:
		return "KVM_MSR_FILTER_READ";
	case MSRTRAP_KVM_MSR_FILTER_WRITE:
		return "KVM_MSR_FILTER_WRITE";
	default:
		return "KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE";
	}
}

/* 8 bytes a line, as hex literals, with the first MSR of each line. */
static void rust_bitmap(struct mt_strbuf *b, const char *up, unsigned int i,
			const struct msrtrap_filter_range *r)
{
	size_t bytes = msrtrap_kvm_bitmap_bytes(r->nmsrs);

	mt_strbuf_printf(b, "\n/// ranges[%u]: %s, ", i,
			 msrtrap_access_name(r->flags, MSRTRAP_ACCESS_PLUS));
	/* one MSR in the singular, as the C output */
	if (r->nmsrs == 1)
		mt_strbuf_printf(b, "MSR 0x%x\n", r->base);
	else
		mt_strbuf_printf(b, "MSRs 0x%x-0x%x\n", r->base,
				 (uint32_t)(r->base + r->nmsrs - 1));
	mt_strbuf_printf(b, "static %s_BITMAP%u: Bitmap<%zu> = Bitmap([\n", up,
			 i, bytes);
	for (size_t k = 0; k < bytes; k += 8) {
		mt_strbuf_put(b, "   ", 3);
		for (size_t j = k; j < k + 8; j++)
			mt_strbuf_printf(b, " 0x%02x,",
					 j < r->bitmap_len ? r->bitmap[j] : 0);
		mt_strbuf_printf(b, " // 0x%08llx\n",
				 (unsigned long long)r->base + 8 * k);
	}
	mt_strbuf_printf(b, "]);\n");
}

static void rust_body(struct mt_strbuf *b, const char *name, const char *up,
		      const struct msrtrap_filter *f)
{
	bool deny = msrtrap_filter_flags(f) & MSRTRAP_KVM_MSR_FILTER_DEFAULT_DENY;
	unsigned int n = msrtrap_filter_nranges(f);
	bool lower = true;

	for (const char *s = name; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			lower = false;
	for (unsigned int i = 0; i < n; i++) {
		struct msrtrap_filter_range r;

		msrtrap_filter_range(f, i, &r);
		rust_bitmap(b, up, i, &r);
	}
	mt_strbuf_printf(b, "\n/// The filter's flags: its default.\n"
			 "pub const %s_FLAGS: u32 = KVM_MSR_FILTER_DEFAULT_%s;\n"
			 "\n/// The ranges, in the order the kernel tries them.\n"
			 "pub static %s_RANGES: [MsrFilterRange; %u] = [\n",
			 up, deny ? "DENY" : "ALLOW", up, n);
	for (unsigned int i = 0; i < n; i++) {
		struct msrtrap_filter_range r;

		msrtrap_filter_range(f, i, &r);
		mt_strbuf_printf(b, "    MsrFilterRange {\n"
				 "        flags: %s,\n"
				 "        base: 0x%x,\n"
				 "        nmsrs: 0x%x,\n"
				 "        bitmap: &%s_BITMAP%u.0,\n"
				 "    },\n",
				 emit_kvm_flags(r.flags), r.base, r.nmsrs, up, i);
	}
	mt_strbuf_printf(b, "];\n"
			 "\n/// The struct to hand to ioctl(vm_fd, KVM_X86_SET_MSR_FILTER, &f);\n"
			 "/// its bitmap pointers point into the statics above.\n"
			 "%s"
			 "pub fn %s() -> KvmMsrFilter {\n"
			 "    let empty = KvmMsrFilterRange {\n"
			 "        flags: 0,\n"
			 "        nmsrs: 0,\n"
			 "        base: 0,\n"
			 "        bitmap: core::ptr::null(),\n"
			 "    };\n"
			 "    let mut filter = KvmMsrFilter {\n"
			 "        flags: %s_FLAGS,\n"
			 "        ranges: [empty; KVM_MSR_FILTER_MAX_RANGES],\n"
			 "    };\n"
			 "    for (slot, r) in filter.ranges.iter_mut().zip(%s_RANGES.iter()) {\n"
			 "        *slot = KvmMsrFilterRange {\n"
			 "            flags: r.flags,\n"
			 "            nmsrs: r.nmsrs,\n"
			 "            base: r.base,\n"
			 "            bitmap: r.bitmap.as_ptr(),\n"
			 "        };\n"
			 "    }\n"
			 "    filter\n"
			 "}\n",
			 lower ? "" : "#[allow(non_snake_case)]\n", name, up, up);
}

char *emit_rust(const char *label, const char *name,
		const struct msrtrap_filter *f, size_t *len)
{
	bool deny = msrtrap_filter_flags(f) & MSRTRAP_KVM_MSR_FILTER_DEFAULT_DENY;
	unsigned int n = msrtrap_filter_nranges(f);
	struct mt_strbuf b = MT_STRBUF_INIT;
	/* statics are upper case, or rustc's non_upper_case_globals warns */
	char up[256];
	size_t i;

	for (i = 0; name[i] && i + 1 < sizeof(up); i++) {
		char c = name[i];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		up[i] = c;
	}
	up[i] = '\0';
	mt_strbuf_printf(&b, "// KVM userspace MSR filter compiled by msrtrap from ");
	put_label(&b, label);
	mt_strbuf_printf(&b, ":\n"
			 "// default %s, %u range%s.\n"
			 "//\n"
			 "//     let f = %s();\n"
			 "//     ioctl(vm_fd, KVM_X86_SET_MSR_FILTER, &f);\n"
			 "//\n"
			 "// A dependency-free module: the structs mirror <linux/kvm.h>.\n"
			 "// Bitmap bit i (byte i / 8, bit i %% 8) = 1 allows MSR base + i.\n"
			 "// x2APIC MSRs 0x800-0x8ff are never filtered.\n",
			 deny ? "deny" : "allow", n, n == 1 ? "" : "s", name);
	if (emit_placeholder(f))
		mt_strbuf_printf(&b, "//\n// %s allows nothing: KVM refuses a "
				 "default-deny filter\n// without a range, so the "
				 "compiler adds one that changes no verdict.\n",
				 n == 1 ? "The one range" : "Every range");
	mt_strbuf_printf(&b, "//\n");
	for (const char *const *l = emit_vmm_lines; *l; l++)
		mt_strbuf_printf(&b, "// %s\n", *l);
	mt_strbuf_printf(&b, "\n");
	mt_strbuf_put(&b, rust_abi, sizeof(rust_abi) - 1);
	rust_body(&b, name, up, f);
	return mt_strbuf_steal(&b, len);
}

/* ---- hardware maps as C ---- */

char *emit_map_c(const char *label, const char *name, enum msrtrap_format fmt,
		 const uint8_t *map, size_t size, size_t *len)
{
	struct mt_strbuf b = MT_STRBUF_INIT;
	bool vmx = fmt == MSRTRAP_FMT_VMX;

	mt_strbuf_printf(&b, "/*\n * %s compiled by msrtrap from ",
			 vmx ? "VMX MSR bitmap" : "SVM MSR permission map");
	put_label(&b, label);
	mt_strbuf_printf(&b, ": %zu bytes, a set bit\n"
			 " * intercepts the access (allow = pass through).\n"
			 " * %s\n"
			 " * Page-aligned, so its physical address can go straight into\n"
			 " * the %s.\n"
			 " */\n"
			 "#include <stdint.h>\n\n"
			 "static const _Alignas(4096) uint8_t %s[%zu] = {\n",
			 size,
			 vmx ? "Read low 0x000, read high 0x400, write low 0x800, "
			       "write high 0xc00;\n * low MSRs 0-0x1fff, high "
			       "0xc0000000-0xc0001fff, 1 bit per MSR." :
			       "0x0000 MSRs 0-0x1fff, 0x0800 0xc0000000-0xc0001fff,\n"
			       " * 0x1000 0xc0010000-0xc0011fff, 2 bits per MSR "
			       "(read even, write odd).",
			 vmx ? "VMCS MSR-bitmap address" : "VMCB's MSRPM_BASE_PA",
			 name, size);
	for (size_t k = 0; k < size; k += 16) {
		mt_strbuf_putc(&b, '\t');
		for (size_t j = k; j < k + 16 && j < size; j++)
			mt_strbuf_printf(&b, "0x%02x,%s", map[j],
					 j + 1 < k + 16 ? " " : "");
		mt_strbuf_printf(&b, " /* 0x%04zx */\n", k);
	}
	mt_strbuf_printf(&b, "};\n");
	return mt_strbuf_steal(&b, len);
}
