// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-hold: keep KVM's static keys still for as long as it runs.
 *
 * The first-level guest runs under TCG with two vCPUs, each its own host
 * thread.  Creating and destroying a KVM VM flips static keys that sit in
 * code every CPU runs all the time: preempt notifiers in __schedule()
 * (one VM is enough to turn them on), and the local APIC's
 * apic_sw_disabled and apic_hw_disabled (a vCPU whose APIC is disabled).
 * The kernel flips a key by patching its text with an int3 first; under
 * multi-threaded TCG another vCPU can still run the old translation and
 * hit that int3 after the patch is done, and the guest dies with "Oops:
 * int3" (seen in __schedule and in apic_has_pending_timer, whenever a
 * second-level guest started or stopped).
 *
 * So the harness starts this once, before any second-level guest: one VM
 * with an in-kernel APIC and one vCPU, never run, whose APIC is disabled
 * both in software (as at reset) and in hardware (APIC base MSR).  While
 * it lives, no count behind those keys can fall to zero, and later guests
 * coming and going patch nothing.  It prints "held" once set up, then
 * sleeps until killed.
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define MSR_IA32_APICBASE	0x1b
/* The default base, neither enabled nor the boot CPU's. */
#define APIC_BASE_DISABLED	0xfee00000ULL

static int fail(const char *what)
{
	fprintf(stderr, "kvm-hold: %s: %m\n", what);
	return 1;
}

int main(void)
{
	struct {
		struct kvm_msrs head;
		struct kvm_msr_entry entry;
	} msrs;
	int kvm, vm, vcpu;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return fail("/dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return fail("KVM_CREATE_VM");
	if (ioctl(vm, KVM_CREATE_IRQCHIP, 0))
		return fail("KVM_CREATE_IRQCHIP");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		return fail("KVM_CREATE_VCPU");
	memset(&msrs, 0, sizeof(msrs));
	msrs.head.nmsrs = 1;
	msrs.entry.index = MSR_IA32_APICBASE;
	msrs.entry.data = APIC_BASE_DISABLED;
	if (ioctl(vcpu, KVM_SET_MSRS, &msrs) != 1)
		return fail("KVM_SET_MSRS(APIC base, disabled)");
	printf("held\n");
	fflush(stdout);
	for (;;)
		pause();
}
