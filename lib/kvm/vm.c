// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The KVM layer: KVM_X86_SET_MSR_FILTER and KVM_CAP_X86_USER_SPACE_MSR on
 * any VM fd, and a VM of our own with one vCPU for the probe guest
 * (probe.c). The functional gate above both is gate.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kvm_internal.h"
#include "util/error.h"

/* An ioctl's -errno, retried on EINTR where the call has no side effect. */
static int xioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do
		r = ioctl(fd, req, arg);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

/* ---- any VM ---- */

int msrtrap_kvm_fd_enable_user_msr(int vm_fd, uint64_t mask)
{
	struct kvm_enable_cap cap;

	memset(&cap, 0, sizeof(cap));
	cap.cap = KVM_CAP_X86_USER_SPACE_MSR;
	cap.args[0] = mask;
	return ioctl(vm_fd, KVM_ENABLE_CAP, &cap) < 0 ? -errno : 0;
}

int msrtrap_kvm_fd_set_filter_raw(int vm_fd,
				  const struct msrtrap_kvm_msr_filter *abi)
{
	return ioctl(vm_fd, KVM_X86_SET_MSR_FILTER, abi) < 0 ? -errno : 0;
}

int msrtrap_kvm_fd_set_filter(int vm_fd, const struct msrtrap_filter *filter)
{
	struct msrtrap_kvm_msr_filter abi;
	size_t len;
	void *storage;
	int err;

	memset(&abi, 0, sizeof(abi));
	if (!filter)
		return msrtrap_kvm_fd_set_filter_raw(vm_fd, &abi);
	len = msrtrap_filter_kvm_storage(filter);
	storage = malloc(len ? len : 1);
	if (!storage)
		return -ENOMEM;
	err = msrtrap_filter_to_kvm(filter, &abi, storage, len);
	if (!err)
		err = msrtrap_kvm_fd_set_filter_raw(vm_fd, &abi);
	free(storage);
	return err;
}

/* ---- our VM ---- */

static int set_cpuid(struct msrtrap_kvm_vm *kvm, struct msrtrap_error *diag)
{
	struct kvm_cpuid2 *cpuid = NULL;
	int n = 64, err;

	/* KVM_GET_SUPPORTED_CPUID says -E2BIG until the buffer is big enough */
	for (;;) {
		free(cpuid);
		cpuid = calloc(1, sizeof(*cpuid) + (size_t)n * sizeof(cpuid->entries[0]));
		if (!cpuid)
			return -ENOMEM;
		cpuid->nent = (uint32_t)n;
		err = xioctl(kvm->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid);
		if (err != -E2BIG || n >= 4096)
			break;
		n *= 2;
	}
	if (err < 0) {
		mt_error_set(diag, err, "KVM_GET_SUPPORTED_CPUID", "%s",
			     strerror(-err));
		free(cpuid);
		return err;
	}
	err = xioctl(kvm->vcpu_fd, KVM_SET_CPUID2, cpuid);
	free(cpuid);
	if (err < 0)
		return mt_error_set(diag, err, "KVM_SET_CPUID2", "%s",
				    strerror(-err));
	return 0;
}

static int create_vm(struct msrtrap_kvm_vm *kvm, struct msrtrap_error *diag)
{
	struct kvm_userspace_memory_region region;
	int err, mmap_size;

	err = xioctl(kvm->kvm_fd, KVM_CREATE_VM, (void *)0);
	if (err < 0)
		return mt_error_set(diag, err, "KVM_CREATE_VM", "%s",
				    strerror(-err));
	kvm->vm_fd = err;
	kvm->mem = mmap(NULL, MT_GUEST_MEM, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (kvm->mem == MAP_FAILED) {
		kvm->mem = NULL;
		return mt_error_set(diag, -ENOMEM, "guest memory", "%s",
				    strerror(errno));
	}
	memset(&region, 0, sizeof(region));
	region.slot = 0;
	region.guest_phys_addr = 0;
	region.memory_size = MT_GUEST_MEM;
	region.userspace_addr = (uintptr_t)kvm->mem;
	err = xioctl(kvm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region);
	if (err < 0)
		return mt_error_set(diag, err, "KVM_SET_USER_MEMORY_REGION",
				    "%s", strerror(-err));
	err = xioctl(kvm->vm_fd, KVM_CREATE_VCPU, (void *)0);
	if (err < 0)
		return mt_error_set(diag, err, "KVM_CREATE_VCPU", "%s",
				    strerror(-err));
	kvm->vcpu_fd = err;
	mmap_size = xioctl(kvm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, NULL);
	if (mmap_size < (int)sizeof(struct kvm_run))
		return mt_error_set(diag, mmap_size < 0 ? mmap_size : -EPROTO,
				    "KVM_GET_VCPU_MMAP_SIZE", "%s",
				    mmap_size < 0 ? strerror(-mmap_size) : "too small");
	kvm->run_size = (size_t)mmap_size;
	kvm->run = mmap(NULL, kvm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			kvm->vcpu_fd, 0);
	if (kvm->run == MAP_FAILED) {
		kvm->run = NULL;
		err = -errno;
		return mt_error_set(diag, err, "kvm_run", "mmap: %s",
				    strerror(-err));
	}
	return set_cpuid(kvm, diag);
}

int msrtrap_kvm_open(struct msrtrap_kvm_vm **out, struct msrtrap_error *diag)
{
	static const struct {
		int cap;
		const char *name;
	} caps[] = {
		{ KVM_CAP_X86_MSR_FILTER, "KVM_CAP_X86_MSR_FILTER" },
		{ KVM_CAP_X86_USER_SPACE_MSR, "KVM_CAP_X86_USER_SPACE_MSR" },
	};
	struct msrtrap_kvm_vm *kvm;
	int err;

	if (!out)
		return -EINVAL;
	*out = NULL;
	kvm = calloc(1, sizeof(*kvm));
	if (!kvm)
		return -ENOMEM;
	kvm->vm_fd = kvm->vcpu_fd = -1;
	kvm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm->kvm_fd < 0) {
		err = -errno;
		mt_error_set(diag, err, "/dev/kvm", "%s", strerror(-err));
		goto fail;
	}
	err = xioctl(kvm->kvm_fd, KVM_GET_API_VERSION, NULL);
	if (err < 0) {
		mt_error_set(diag, err, "KVM_GET_API_VERSION", "%s",
			     strerror(-err));
		goto fail;
	}
	if (err != KVM_API_VERSION) {
		err = mt_error_set(diag, -EPROTONOSUPPORT,
				   "KVM_GET_API_VERSION", "%d, not %d", err,
				   KVM_API_VERSION);
		goto fail;
	}
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		err = xioctl(kvm->kvm_fd, KVM_CHECK_EXTENSION, (void *)(intptr_t)caps[i].cap);
		if (err <= 0) {
			err = mt_error_set(diag, err < 0 ? err : -EOPNOTSUPP,
					   caps[i].name, "%s",
					   err < 0 ? strerror(-err) : "not supported");
			goto fail;
		}
	}
	err = create_vm(kvm, diag);
	if (err)
		goto fail;
	*out = kvm;
	return 0;
fail:
	msrtrap_kvm_close(kvm);
	return err;
}

void msrtrap_kvm_close(struct msrtrap_kvm_vm *kvm)
{
	if (!kvm)
		return;
	if (kvm->run)
		munmap(kvm->run, kvm->run_size);
	if (kvm->mem)
		munmap(kvm->mem, MT_GUEST_MEM);
	if (kvm->vcpu_fd >= 0)
		close(kvm->vcpu_fd);
	if (kvm->vm_fd >= 0)
		close(kvm->vm_fd);
	if (kvm->kvm_fd >= 0)
		close(kvm->kvm_fd);
	free(kvm);
}

int msrtrap_kvm_vm_fd(const struct msrtrap_kvm_vm *kvm)
{
	return kvm ? kvm->vm_fd : -EINVAL;
}

int msrtrap_kvm_vcpu_fd(const struct msrtrap_kvm_vm *kvm)
{
	return kvm ? kvm->vcpu_fd : -EINVAL;
}

int msrtrap_kvm_enable_user_msr(struct msrtrap_kvm_vm *kvm, uint64_t mask)
{
	return kvm ? msrtrap_kvm_fd_enable_user_msr(kvm->vm_fd, mask) : -EINVAL;
}

int msrtrap_kvm_set_filter(struct msrtrap_kvm_vm *kvm,
			   const struct msrtrap_filter *filter)
{
	return kvm ? msrtrap_kvm_fd_set_filter(kvm->vm_fd, filter) : -EINVAL;
}

int msrtrap_kvm_set_filter_raw(struct msrtrap_kvm_vm *kvm,
			       const struct msrtrap_kvm_msr_filter *abi)
{
	return kvm ? msrtrap_kvm_fd_set_filter_raw(kvm->vm_fd, abi) : -EINVAL;
}
