#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Draft data/msrs.tsv from Linux kernel headers (development tool).

This script is NOT run by the build.  It exists so that the extraction that
produced the first version of data/msrs.tsv can be repeated, e.g. against a
newer kernel, to spot MSRs that are missing from the database.

It reads any number of C headers and collects every ``#define`` whose value is
an MSR index:

  * ``MSR_<NAME>  0x...``            (asm/msr-index.h, asm/mce.h, uapi kvm_para.h)
  * ``HV_X64_MSR_<NAME> / HV_REGISTER_<NAME>  0x4000....`` (asm/hyperv-tlfs.h)
  * simple references to another such define and ``(OTHER + n)``.

Bit numbers, masks and function-like macros are ignored.  On top of what the
headers give, a few register families are expanded (machine-check banks, MTRR
pairs, x2APIC registers, counters, LBR stacks, ...) and a small list of MSRs
that the headers do not define is added.  Linux spellings are mapped to
Intel SDM / AMD APM style canonical names; the Linux spelling is kept as an
alias row.

Output is a draft TSV on stdout: INDEX, NAME, VENDOR, DESCRIPTION.  Families
get a description from a template; everything else gets the placeholder
``TODO: describe``.  With ``--merge data/msrs.tsv`` the existing database is
authoritative: its rows (order, vendor, description) are kept verbatim, and
only names it does not have yet are added (marked TODO) -- so running with
--merge against an unchanged kernel reproduces the file.

Example:
  H=/usr/src/linux-headers-6.1.0-54-common/arch/x86/include
  python3 tools/msrdb-from-header.py $H/asm/msr-index.h $H/asm/mce.h \\
      $H/asm/hyperv-tlfs.h $H/uapi/asm/kvm_para.h --merge data/msrs.tsv > draft.tsv

Python 3 standard library only.
"""

import argparse
import re
import sys

TODO = "TODO: describe"

# --------------------------------------------------------------------------
# Header parsing
# --------------------------------------------------------------------------

DEFINE_RE = re.compile(
    r"^\s*#\s*define\s+((?:MSR_|HV_X64_MSR_|HV_REGISTER_)[A-Za-z0-9_]+)"
    r"\s+(.*?)\s*(?:/\*.*)?$")
HEX_RE = re.compile(r"^\(?\s*(0[xX][0-9a-fA-F]+)[uUlL]*\s*\)?$")
REF_RE = re.compile(r"^\(?\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)?$")
ADD_RE = re.compile(r"^\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\+\s*(0[xX][0-9a-fA-F]+|\d+)\s*\)$")

# Hex-valued defines that are masks or field values, not MSR indices, and
# defines whose names would only add noise.
SKIP = {
    "MSR_IA32_BNDCFGS_RSVD",
    "MSR_IA32_VMX_MISC_PREEMPTION_TIMER_SCALE",
    "MSR_IA32_MCG_RESERVED",
}


def parse_headers(paths):
    """Return a list of (index, linux_name) in header order."""
    raw = {}
    order = []
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                m = DEFINE_RE.match(line)
                if not m:
                    continue
                name, value = m.group(1), m.group(2).strip()
                if name in SKIP or name.endswith("_BIT") or "(" in name:
                    continue
                if name not in raw:
                    order.append(name)
                raw[name] = value

    resolved = {}

    def resolve(name, depth=0):
        if name in resolved:
            return resolved[name]
        if depth > 8 or name not in raw:
            return None
        v = raw[name]
        m = HEX_RE.match(v)
        if m:
            val = int(m.group(1), 16)
        else:
            m = ADD_RE.match(v)
            if m:
                base = resolve(m.group(1), depth + 1)
                val = None if base is None else base + int(m.group(2), 0)
            else:
                m = REF_RE.match(v)
                val = resolve(m.group(1), depth + 1) if m else None
        resolved[name] = val
        return val

    out = []
    for name in order:
        val = resolve(name)
        if val is None or val > 0xFFFFFFFF:
            continue
        if name.startswith("HV_"):
            if not 0x40000000 <= val <= 0x4000FFFF:
                continue  # enable bits, shifts, masks
            short = name    # HV_X64_MSR_* / HV_REGISTER_* kept as spelled
        else:
            short = name[len("MSR_"):]
        out.append((val, short.upper()))
    return out


# --------------------------------------------------------------------------
# Linux spelling -> canonical (SDM / APM / TLFS style) name
# --------------------------------------------------------------------------

RENAME = {
    # architectural syscall / segment MSRs
    "EFER": "IA32_EFER", "STAR": "IA32_STAR", "LSTAR": "IA32_LSTAR",
    "CSTAR": "IA32_CSTAR", "SYSCALL_MASK": "IA32_FMASK",
    "FS_BASE": "IA32_FS_BASE", "GS_BASE": "IA32_GS_BASE",
    "KERNEL_GS_BASE": "IA32_KERNEL_GS_BASE", "TSC_AUX": "IA32_TSC_AUX",
    # Intel SDM names
    "IA32_APICBASE": "IA32_APIC_BASE",
    "IA32_FEAT_CTL": "IA32_FEATURE_CONTROL",
    "IA32_UCODE_WRITE": "IA32_BIOS_UPDT_TRIG",
    "IA32_UCODE_REV": "IA32_BIOS_SIGN_ID",
    "AMD64_PATCH_LEVEL": "IA32_BIOS_SIGN_ID",
    "IA32_CORE_CAPS": "IA32_CORE_CAPABILITIES",
    "MTRRCAP": "IA32_MTRRCAP",
    "MTRRDEFTYPE": "IA32_MTRR_DEF_TYPE",
    "IA32_CR_PAT": "IA32_PAT",
    "IA32_DEBUGCTLMSR": "IA32_DEBUGCTL",
    "IA32_THERM_CONTROL": "IA32_CLOCK_MODULATION",
    "IA32_TEMPERATURE_TARGET": "TEMPERATURE_TARGET",
    "IA32_POWER_CTL": "POWER_CTL",
    "IA32_BBL_CR_CTL": "BBL_CR_CTL",
    "IA32_BBL_CR_CTL3": "BBL_CR_CTL3",
    "IA32_EBL_CR_POWERON": "EBL_CR_POWERON",
    "CORE_PERF_FIXED_CTR_CTRL": "IA32_FIXED_CTR_CTRL",
    "CORE_PERF_GLOBAL_STATUS": "IA32_PERF_GLOBAL_STATUS",
    "CORE_PERF_GLOBAL_CTRL": "IA32_PERF_GLOBAL_CTRL",
    "CORE_PERF_GLOBAL_OVF_CTRL": "IA32_PERF_GLOBAL_STATUS_RESET",
    "IA32_RTIT_OUTPUT_MASK": "IA32_RTIT_OUTPUT_MASK_PTRS",
    "PM_ENABLE": "IA32_PM_ENABLE",
    "HWP_CAPABILITIES": "IA32_HWP_CAPABILITIES",
    "HWP_REQUEST_PKG": "IA32_HWP_REQUEST_PKG",
    "HWP_INTERRUPT": "IA32_HWP_INTERRUPT",
    "HWP_REQUEST": "IA32_HWP_REQUEST",
    "HWP_STATUS": "IA32_HWP_STATUS",
    "ARCH_LBR_CTL": "IA32_LBR_CTL",
    "ARCH_LBR_DEPTH": "IA32_LBR_DEPTH",
    "IA32_LASTINTFROMIP": "LER_FROM_LIP",
    "IA32_LASTINTTOIP": "LER_TO_LIP",
    # AMD APM names
    "AMD64_TSC_RATIO": "TSC_RATIO",
    "AMD64_NB_CFG": "NB_CFG",
    "AMD64_PATCH_LOADER": "PATCH_LOADER",
    "AMD_PERF_CTL": "PSTATE_CTL",
    "AMD_PERF_STATUS": "PSTATE_STATUS",
    "AMD64_OSVW_ID_LENGTH": "OSVW_ID_LENGTH",
    "AMD64_OSVW_STATUS": "OSVW_STATUS",
    "AMD64_LS_CFG": "LS_CFG", "AMD64_DC_CFG": "DC_CFG",
    "AMD64_TW_CFG": "TW_CFG", "AMD64_FP_CFG": "FP_CFG",
    "AMD64_DE_CFG": "DE_CFG", "AMD64_BU_CFG2": "BU_CFG2",
    "F15H_IC_CFG": "IC_CFG", "F15H_EX_CFG": "EX_CFG",
    "ZEN4_BP_CFG": "BP_CFG",
    "AMD64_IBSFETCHCTL": "IBS_FETCH_CTL",
    "AMD64_IBSFETCHLINAD": "IBS_FETCH_LINADDR",
    "AMD64_IBSFETCHPHYSAD": "IBS_FETCH_PHYSADDR",
    "AMD64_IBSOPCTL": "IBS_OP_CTL",
    "AMD64_IBSOPRIP": "IBS_OP_RIP",
    "AMD64_IBSOPDATA": "IBS_OP_DATA",
    "AMD64_IBSOPDATA2": "IBS_OP_DATA2",
    "AMD64_IBSOPDATA3": "IBS_OP_DATA3",
    "AMD64_IBSOPDATA4": "IBS_OP_DATA4",
    "AMD64_IBSDCLINAD": "IBS_DC_LINADDR",
    "AMD64_IBSDCPHYSAD": "IBS_DC_PHYSADDR",
    "AMD64_IBSCTL": "IBS_CTL",
    "AMD64_IBSBRTARGET": "IBS_BR_TARGET",
    "AMD64_ICIBSEXTDCTL": "IC_IBS_EXTD_CTL",
    "AMD64_SVM_AVIC_DOORBELL": "AVIC_DOORBELL",
    "AMD64_VM_PAGE_FLUSH": "VM_PAGE_FLUSH",
    "AMD64_SEV_ES_GHCB": "SEV_ES_GHCB",
    "AMD64_SEV": "SEV_STATUS",
    "AMD64_VIRT_SPEC_CTRL": "VIRT_SPEC_CTRL",
    "AMD64_PERF_CNTR_GLOBAL_STATUS": "PERF_CNTR_GLOBAL_STATUS",
    "AMD64_PERF_CNTR_GLOBAL_CTL": "PERF_CNTR_GLOBAL_CTL",
    "AMD64_PERF_CNTR_GLOBAL_STATUS_CLR": "PERF_CNTR_GLOBAL_STATUS_CLR",
    "AMD64_SYSCFG": "SYSCFG",
    "K7_HWCR": "HWCR",
    "K8_TOP_MEM1": "TOP_MEM",
    "K8_TOP_MEM2": "TOP_MEM2",
    "K8_TSEG_ADDR": "SMM_ADDR",
    "K8_TSEG_MASK": "SMM_MASK",
    "VM_IGNNE": "IGNNE",
    "FAM10H_MMIO_CONF_BASE": "MMIO_CFG_BASE",
    "FAM10H_NODE_ID": "NODE_ID",
    "F17H_IRPERF": "IRPERF_COUNT",
}

# Where two header spellings share an index and neither is renamed, the
# one listed here becomes the canonical name.
PREFER = {"PKG_C7_RESIDENCY"}

# Extra alias names (not in the headers) attached to a canonical name.
EXTRA_ALIASES = {
    "IA32_BIOS_SIGN_ID": ["PATCH_LEVEL"],
    "IA32_PERF_GLOBAL_STATUS_RESET": ["IA32_PERF_GLOBAL_OVF_CTRL"],
    "IA32_TSC": ["TSC"],
}


def canonical_for(name):
    if name in RENAME:
        return RENAME[name]
    if name.startswith("HV_REGISTER_"):
        return "HV_X64_MSR_" + name[len("HV_REGISTER_"):]
    m = re.match(r"MTRRFIX(64K|16K|4K)_([0-9A-F]{5})$", name)
    if m:
        return "IA32_MTRR_FIX%s_%s" % m.groups()
    return name


# --------------------------------------------------------------------------
# Families and MSRs the headers do not spell out
# --------------------------------------------------------------------------

FIXED_CTR_DESC = [
    "Fixed-function counter 0: instructions retired",
    "Fixed-function counter 1: core clock cycles while not halted",
    "Fixed-function counter 2: reference clock cycles while not halted",
    "Fixed-function counter 3: topdown slots",
]


def families():
    """Yield (index, canonical_name, description-or-None)."""
    for i in range(29):
        yield 0x400 + 4 * i, "IA32_MC%d_CTL" % i, \
            "Machine-check bank %d: per-error-type reporting enables" % i
        yield 0x401 + 4 * i, "IA32_MC%d_STATUS" % i, \
            "Machine-check bank %d: valid/overflow flags and error codes" % i
        yield 0x402 + 4 * i, "IA32_MC%d_ADDR" % i, \
            "Machine-check bank %d: address tied to the logged error" % i
        yield 0x403 + 4 * i, "IA32_MC%d_MISC" % i, \
            "Machine-check bank %d: extra error details (address mode etc.)" % i
        yield 0x280 + i, "IA32_MC%d_CTL2" % i, \
            "Machine-check bank %d: corrected-error threshold and CMCI enable" % i
    for i in range(10):
        yield 0x200 + 2 * i, "IA32_MTRR_PHYSBASE%d" % i, \
            "Variable-range MTRR %d: range base address and memory type" % i
        yield 0x201 + 2 * i, "IA32_MTRR_PHYSMASK%d" % i, \
            "Variable-range MTRR %d: range mask and valid bit" % i
    for i in range(8):
        yield 0xC1 + i, "IA32_PMC%d" % i, \
            "General-purpose performance counter %d" % i
        yield 0x186 + i, "IA32_PERFEVTSEL%d" % i, \
            "Event select and control for general-purpose counter %d" % i
        yield 0x4C1 + i, "IA32_A_PMC%d" % i, \
            "Full-width writable view of general-purpose counter %d" % i
        yield 0x14C1 + i, "RELOAD_PMC%d" % i, \
            "Adaptive PEBS: reload value for general-purpose counter %d" % i
    for i in range(4):
        yield 0x309 + i, "IA32_FIXED_CTR%d" % i, FIXED_CTR_DESC[i]
        yield 0x1309 + i, "RELOAD_FIXED_CTR%d" % i, \
            "Adaptive PEBS: reload value for fixed counter %d" % i
    for i in range(8):
        yield 0x40 + i, "LBR_CORE_FROM_%d" % i, \
            "Core 2/Atom last-branch stack entry %d: source address" % i
        yield 0x60 + i, "LBR_CORE_TO_%d" % i, \
            "Core 2/Atom last-branch stack entry %d: destination address" % i
    for i in range(32):
        yield 0x680 + i, "LASTBRANCH_%d_FROM_IP" % i, \
            "Model-specific LBR entry %d: branch source address" % i
        yield 0x6C0 + i, "LASTBRANCH_%d_TO_IP" % i, \
            "Model-specific LBR entry %d: branch destination address" % i
        yield 0xDC0 + i, "LBR_INFO_%d" % i, \
            "Model-specific LBR entry %d: mispredict, TSX and cycle info" % i
        yield 0x1500 + i, "IA32_LBR_%d_FROM_IP" % i, \
            "Architectural LBR entry %d: branch source address" % i
        yield 0x1600 + i, "IA32_LBR_%d_TO_IP" % i, \
            "Architectural LBR entry %d: branch destination address" % i
        yield 0x1200 + i, "IA32_LBR_%d_INFO" % i, \
            "Architectural LBR entry %d: branch type, mispredict, cycles" % i
    for i in range(16):
        yield 0xC90 + i, "IA32_L3_QOS_MASK_%d" % i, \
            "Cache allocation: L3 way bit mask for class of service %d" % i
    for i in range(8):
        yield 0xD10 + i, "IA32_L2_QOS_MASK_%d" % i, \
            "Cache allocation: L2 way bit mask for class of service %d" % i
    # x2APIC (SDM names); register = 0x800 + xAPIC MMIO offset / 16
    x2 = [(0x802, "APICID", "x2APIC: local APIC ID (read-only)"),
          (0x803, "VERSION", "x2APIC: version, max LVT entry, EOI-broadcast support"),
          (0x808, "TPR", "x2APIC: task priority register"),
          (0x80A, "PPR", "x2APIC: processor priority (read-only)"),
          (0x80B, "EOI", "x2APIC: end-of-interrupt (write zero)"),
          (0x80D, "LDR", "x2APIC: logical destination (cluster ID and bit, read-only)"),
          (0x80F, "SIVR", "x2APIC: spurious vector, software enable, EOI suppression"),
          (0x828, "ESR", "x2APIC: error status register"),
          (0x82F, "LVT_CMCI", "x2APIC: LVT entry for corrected machine-check interrupts"),
          (0x830, "ICR", "x2APIC: 64-bit interrupt command register (sends IPIs)"),
          (0x832, "LVT_TIMER", "x2APIC: LVT entry for the local APIC timer"),
          (0x833, "LVT_THERMAL", "x2APIC: LVT entry for the thermal sensor"),
          (0x834, "LVT_PMI", "x2APIC: LVT entry for performance-monitor interrupts"),
          (0x835, "LVT_LINT0", "x2APIC: LVT entry for the LINT0 pin"),
          (0x836, "LVT_LINT1", "x2APIC: LVT entry for the LINT1 pin"),
          (0x837, "LVT_ERROR", "x2APIC: LVT entry for APIC internal errors"),
          (0x838, "INIT_COUNT", "x2APIC: timer initial count"),
          (0x839, "CUR_COUNT", "x2APIC: timer current count (read-only)"),
          (0x83E, "DIV_CONF", "x2APIC: timer divide configuration"),
          (0x83F, "SELF_IPI", "x2APIC: send a fixed IPI to self (write-only)")]
    for idx, n, d in x2:
        yield idx, "IA32_X2APIC_" + n, d
    for i in range(8):
        lo, hi = 32 * i, 32 * i + 31
        yield 0x810 + i, "IA32_X2APIC_ISR%d" % i, \
            "x2APIC: in-service bits for vectors %d-%d" % (lo, hi)
        yield 0x818 + i, "IA32_X2APIC_TMR%d" % i, \
            "x2APIC: trigger-mode bits for vectors %d-%d" % (lo, hi)
        yield 0x820 + i, "IA32_X2APIC_IRR%d" % i, \
            "x2APIC: interrupt-request bits for vectors %d-%d" % (lo, hi)
    # AMD
    for i in range(4):
        yield 0xC0010000 + i, "PERF_CTL%d" % i, \
            "Legacy AMD core performance event select %d" % i
        yield 0xC0010004 + i, "PERF_CTR%d" % i, \
            "Legacy AMD core performance counter %d" % i
        yield 0xC0010240 + 2 * i, "F15H_NB_PERF_CTL%d" % i, \
            "AMD northbridge/data-fabric performance event select %d" % i
        yield 0xC0010241 + 2 * i, "F15H_NB_PERF_CTR%d" % i, \
            "AMD northbridge/data-fabric performance counter %d" % i
    for i in range(6):
        yield 0xC0010200 + 2 * i, "F15H_PERF_CTL%d" % i, \
            "AMD core performance event select %d (extended bank)" % i
        yield 0xC0010201 + 2 * i, "F15H_PERF_CTR%d" % i, \
            "AMD core performance counter %d (extended bank)" % i
        yield 0xC0010044 + i, "MC%d_CTL_MASK" % i, \
            "AMD machine-check bank %d: suppress detection of chosen errors" % i
    for i in range(8):
        yield 0xC0010064 + i, "PSTATE_DEF%d" % i, \
            "AMD P-state %d definition: frequency/voltage IDs and enable" % i
    for i in range(2):
        yield 0xC0010016 + 2 * i, "IORR_BASE%d" % i, \
            "AMD I/O range register %d: base and RdMem/WrMem routing" % i
        yield 0xC0010017 + 2 * i, "IORR_MASK%d" % i, \
            "AMD I/O range register %d: mask and valid bit" % i
    # Hyper-V families
    for i in range(16):
        yield 0x40000090 + i, "HV_X64_MSR_SINT%d" % i, \
            "Hyper-V SynIC: vector, mask and auto-EOI for interrupt source %d" % i
    for i in range(4):
        yield 0x400000B0 + 2 * i, "HV_X64_MSR_STIMER%d_CONFIG" % i, \
            "Hyper-V synthetic timer %d: enable, periodic mode, target SINT" % i
        yield 0x400000B1 + 2 * i, "HV_X64_MSR_STIMER%d_COUNT" % i, \
            "Hyper-V synthetic timer %d: expiry time or period (100 ns)" % i
    for i in range(5):
        yield 0x40000100 + i, "HV_X64_MSR_CRASH_P%d" % i, \
            "Hyper-V guest crash report parameter %d" % i


# MSRs not defined (as plain values) in the 6.1 headers.  Facts come from the
# Intel SDM vol. 4, AMD APM vol. 2 / BKDGs and the Hyper-V TLFS.
EXTRAS = [
    (0x00000006, "IA32_MONITOR_FILTER_SIZE"),
    (0x000001F2, "IA32_SMRR_PHYSBASE"),
    (0x000001F3, "IA32_SMRR_PHYSMASK"),
    (0x000001F8, "IA32_PLATFORM_DCA_CAP"),
    (0x000001F9, "IA32_CPU_DCA_CAP"),
    (0x000001FA, "IA32_DCA_0_CAP"),
    (0x00000391, "IA32_PERF_GLOBAL_STATUS_SET"),
    (0x00000392, "IA32_PERF_GLOBAL_INUSE"),
    (0x00000493, "IA32_VMX_EXIT_CTLS2"),
    (0x00000500, "IA32_SGX_SVN_STATUS"),
    (0x000006E1, "IA32_PKRS"),
    (0x00000981, "IA32_TME_CAPABILITY"),
    (0x00000982, "IA32_TME_ACTIVATE"),
    (0x00000C80, "IA32_DEBUG_INTERFACE"),
    (0x00000C81, "IA32_L3_QOS_CFG"),
    (0x00000C82, "IA32_L2_QOS_CFG"),
    (0x00000C8D, "IA32_QM_EVTSEL"),
    (0x00000C8E, "IA32_QM_CTR"),
    (0x00000C8F, "IA32_PQR_ASSOC"),
    (0x400000F1, "HV_X64_MSR_SYNDBG_CONTROL"),
    (0x400000F2, "HV_X64_MSR_SYNDBG_STATUS"),
    (0x400000F3, "HV_X64_MSR_SYNDBG_SEND_BUFFER"),
    (0x400000F4, "HV_X64_MSR_SYNDBG_RECV_BUFFER"),
    (0x400000F5, "HV_X64_MSR_SYNDBG_PENDING_BUFFER"),
    (0x400000FF, "HV_X64_MSR_SYNDBG_OPTIONS"),
    (0x40000114, "HV_X64_MSR_STIME_UNHALTED_TIMER_CONFIG"),
    (0x40000115, "HV_X64_MSR_STIME_UNHALTED_TIMER_COUNT"),
    (0xC00000E7, "MPERF_RO"),
    (0xC00000E8, "APERF_RO"),
    (0xC0010061, "PSTATE_CUR_LIMIT"),
    (0xC0010070, "COFVID_CTL"),
    (0xC0010071, "COFVID_STATUS"),
    (0xC0010111, "SMM_BASE"),
    (0xC0010116, "SMM_CTL"),
    (0xC0010118, "SVM_KEY"),
    (0xC0010132, "RMP_BASE"),
    (0xC0010133, "RMP_END"),
]

# --------------------------------------------------------------------------
# Vendor classification
# --------------------------------------------------------------------------

ARCH_RANGES = [
    (0x000, 0x001), (0x010, 0x010), (0x01B, 0x01B), (0x048, 0x049),
    (0x08B, 0x08B), (0x0E7, 0x0E8), (0x0FE, 0x0FE), (0x174, 0x176),
    (0x179, 0x17B), (0x1D9, 0x1D9), (0x1DB, 0x1DE), (0x200, 0x213),
    (0x250, 0x250), (0x258, 0x259), (0x268, 0x26F), (0x277, 0x277),
    (0x2FF, 0x2FF), (0x400, 0x473), (0x6A0, 0x6A8), (0x802, 0x83F),
    (0xC8D, 0xC9F), (0xDA0, 0xDA0),
    (0xC0000080, 0xC0000084), (0xC0000100, 0xC0000103),
]


def vendor_of(index, name):
    if name.startswith("HV_"):
        return "hyperv"
    if name.startswith("KVM_"):
        return "kvm"
    if re.match(r"(IDT|VIA|TMTA|GEODE|CYRIX)_", name):
        return "other"
    if re.match(r"(AMD|AMD64|K6|K7|K8|F1[0-9]H|FAM1[0-9]H|ZEN[0-9]*)_", name) \
            or name == "PATCH_LEVEL":
        return "amd"
    for lo, hi in ARCH_RANGES:
        if lo <= index <= hi:
            return "arch"
    if index >= 0xC0000000:
        return "amd"
    return "intel"


# --------------------------------------------------------------------------
# Description templates for header-derived names that form patterns
# --------------------------------------------------------------------------

P4_UNITS = {
    "BPU": "branch prediction", "MS": "microcode sequencer",
    "FLAME": "FLAME", "IQ": "instruction queue", "ALF": "ALF",
    "BSU": "bus sequence", "CRU": "checker/retirement", "DAC": "DAC",
    "FIRM": "FIRM", "FSB": "front-side bus", "IS": "IS", "ITLB": "ITLB",
    "IX": "IX", "MOB": "memory order buffer", "PMH": "page miss handler",
    "RAT": "register alias table", "SAAT": "SAAT", "SSU": "SSU",
    "TBPU": "TBPU", "TC": "trace cache", "U2L": "U2L",
}


def template_desc(name):
    m = re.match(r"P4_([A-Z0-9]+)_(PERFCTR|CCCR|ESCR)(\d)$", name)
    if m:
        unit = P4_UNITS.get(m.group(1), m.group(1))
        kind = {"PERFCTR": "performance counter",
                "CCCR": "counter configuration control",
                "ESCR": "event selection control"}[m.group(2)]
        return "Pentium 4 %s %s %s" % (unit, kind, m.group(3))
    m = re.match(r"IA32_MTRR_FIX(64|16|4)K_([0-9A-F]{5})$", name)
    if m:
        size = int(m.group(1)) * 1024
        base = int(m.group(2), 16)
        return "Fixed-range MTRR: types of 8 x %d KiB from 0x%05X to 0x%05X" % (
            size // 1024, base, base + 8 * size - 1)
    m = re.match(r"IA32_RTIT_ADDR(\d)_([AB])$", name)
    if m:
        return "Intel PT address range %s: %s address" % (
            m.group(1), "start" if m.group(2) == "A" else "end")
    m = re.match(r"IA32_SGXLEPUBKEYHASH(\d)$", name)
    if m:
        n = int(m.group(1))
        return "SGX launch-enclave signer key hash, bits %d-%d" % (64 * n, 64 * n + 63)
    m = re.match(r"IA32_PL(\d)_SSP$", name)
    if m:
        return "CET shadow-stack pointer for privilege level %s" % m.group(1)
    m = re.match(r"IDT_MCR(\d)$", name)
    if m:
        return "Centaur WinChip memory configuration register %s" % m.group(1)
    m = re.match(r"IDT_FCR(\d)$", name)
    if m:
        return "Centaur/IDT feature control register %s" % m.group(1)
    return None


# --------------------------------------------------------------------------
# Assembly
# --------------------------------------------------------------------------

def build(headers):
    """Return {index: [(name, vendor, desc_or_None), ...]} canonical first."""
    by_index = {}
    names = set()

    def add(index, name, desc, front=False):
        if name.upper() in names:
            return
        names.add(name.upper())
        lst = by_index.setdefault(index, [])
        row = (name, vendor_of(index, name), desc)
        if front:
            lst.insert(0, row)
        else:
            lst.append(row)

    # 1. names we chose (families, extras, renamed header names) go first
    for index, name, desc in families():
        add(index, name, desc)
    for index, name in EXTRAS:
        add(index, name, None)
    header = parse_headers(headers)
    for index, lname in header:
        canon = canonical_for(lname)
        if canon != lname or lname in PREFER:
            add(index, canon, None)
    # 2. then header spellings (aliases where a canonical name exists)
    for index, lname in header:
        add(index, lname, None)
    # 3. extra aliases
    for canon, aliases in EXTRA_ALIASES.items():
        for index, rows in by_index.items():
            if rows[0][0] == canon:
                for a in aliases:
                    add(index, a, None)
    # fill descriptions from templates; aliases inherit the canonical one
    for index, rows in by_index.items():
        for i, (n, v, d) in enumerate(rows):
            if d is None:
                d = template_desc(n)
            if d is None and i > 0 and rows[0][2]:
                d = rows[0][2]
            rows[i] = (n, v, d)
    return by_index


def read_tsv(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            idx, name, vendor, desc = line.split("\t")
            rows.append((int(idx, 16), name, vendor, desc))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("headers", nargs="+", help="C headers to scan")
    ap.add_argument("--merge", metavar="TSV",
                    help="existing msrs.tsv; its rows win, new names are added")
    args = ap.parse_args()

    drafted = build(args.headers)
    out = {}        # index -> list of (name, vendor, desc)
    known = set()
    if args.merge:
        for idx, name, vendor, desc in read_tsv(args.merge):
            out.setdefault(idx, []).append((name, vendor, desc))
            known.add(name.upper())
    new = 0
    for idx in drafted:
        for name, vendor, desc in drafted[idx]:
            if name.upper() in known:
                continue
            out.setdefault(idx, []).append((name, vendor, desc or TODO))
            known.add(name.upper())
            new += 1

    sys.stdout.write(
        "# msrtrap MSR name database.\n"
        "# One MSR name per line, TAB-separated:\n"
        "#   INDEX<TAB>NAME<TAB>VENDOR<TAB>DESCRIPTION\n"
        "# INDEX is 0x + 8 lower-case hex digits; rows are sorted by INDEX.\n"
        "# The first row of an index is its canonical name, later rows are aliases.\n"
        "# NAME is [A-Z0-9_]+ without an MSR_ prefix, unique ignoring case.\n"
        "# VENDOR is one of: arch intel amd kvm hyperv other.\n"
        "# DESCRIPTION is one short line in our own words (no tabs).\n"
        "# See data/README.md.  Compiled by tools/gen-msr-db.py.\n")
    for idx in sorted(out):
        for name, vendor, desc in out[idx]:
            sys.stdout.write("0x%08x\t%s\t%s\t%s\n" % (idx, name, vendor, desc))
    if args.merge:
        sys.stderr.write("%d new name(s) not in %s\n" % (new, args.merge))
    return 0


if __name__ == "__main__":
    sys.exit(main())
