// The kernel's lines that belong to an insert, with the texts of kernel 6.1
// (kernel/module/signing.c, security/lockdown/lockdown.c, kernel/module/main.c,
// certs/system_keyring.c) and of older and distribution kernels.
#include "load/kmsg_lines.h"

#include <catch2/catch.hpp>
#include <cerrno>

using namespace modloadd;

namespace {

const InsertParty kInsert{"foo_bar", 4242, "modloadd-insert"};

KmsgRelation relation(const std::string &text, std::optional<pid_t> thread = std::nullopt)
{
	KmsgRecord r;
	r.text = text;
	r.thread = thread;
	return relationTo(r, kInsert);
}

} // namespace

TEST_CASE("given /dev/kmsg records, we should read their sequence, time, caller and text")
{
	auto r = parseKmsgRecord("5,1234,5678901,-;Lockdown: modloadd-insert: unsigned module "
				 "loading is restricted; see man kernel_lockdown.7\n");
	REQUIRE(r);
	CHECK(r->seq == 1234);
	CHECK(r->usec == 5678901);
	CHECK_FALSE(r->thread);
	CHECK(r->text == "Lockdown: modloadd-insert: unsigned module loading is restricted; see "
			 "man kernel_lockdown.7");

	auto withCaller = parseKmsgRecord("5,99,100,-,caller=T4242;Loading of unsigned module "
					  "is rejected\n");
	REQUIRE(withCaller);
	CHECK(withCaller->thread == 4242);
	CHECK(withCaller->text == "Loading of unsigned module is rejected");

	auto fromCpu = parseKmsgRecord("3,7,8,c,caller=C1;foo: bar\n");
	REQUIRE(fromCpu);
	CHECK_FALSE(fromCpu->thread);

	auto continued = parseKmsgRecord("3,5,6,-;foo_bar: probe failed\n SUBSYSTEM=pci\n "
					 "DEVICE=+pci:0000:00:01.0\n");
	REQUIRE(continued);
	CHECK(continued->text == "foo_bar: probe failed");

	CHECK_FALSE(parseKmsgRecord("no header here\n"));
	CHECK_FALSE(parseKmsgRecord("5,x,100,-;text\n"));
}

TEST_CASE("given the kernel's lines, we should tell which belong to the insert")
{
	struct Case {
		std::string text;
		KmsgRelation relation;
	};
	const Case cases[] = {
		// Named: what the module loader prefixes with the name (in either spelling).
		{"foo_bar: module verification failed: signature and/or required key missing - "
		 "tainting kernel",
		 KmsgRelation::Named},
		{"foo-bar: Unknown symbol foo_fn (err -2)", KmsgRelation::Named},
		{"foo_bar: Loading of unsigned module is rejected", KmsgRelation::Named},
		// kernel/module/signing.c, module_sig_check(), each reason.
		{"Loading of unsigned module is rejected", KmsgRelation::Signature},
		{"Loading of module with unavailable key is rejected", KmsgRelation::Signature},
		{"Loading of module with unsupported crypto is rejected", KmsgRelation::Signature},
		{"PKCS#7 signature not signed with a trusted key", KmsgRelation::Signature},
		{"module: Module is not signed with expected PKCS#7 message",
		 KmsgRelation::Signature},
		{"PKCS7: Waived invalid module sig (has authattrs)", KmsgRelation::Signature},
		// security/lockdown/lockdown.c, with the helper's comm, or another process's.
		{"Lockdown: modloadd-insert: unsigned module loading is restricted; see man "
		 "kernel_lockdown.7",
		 KmsgRelation::Lockdown},
		{"Lockdown: modloadd-insert: unsafe module parameters is restricted; see man "
		 "kernel_lockdown.7",
		 KmsgRelation::Lockdown},
		{"Lockdown: modprobe: unsigned module loading is restricted; see man "
		 "kernel_lockdown.7",
		 KmsgRelation::Unrelated},
		{"Lockdown: systemd-udevd: unsigned module loading is restricted; see man "
		 "kernel_lockdown.7",
		 KmsgRelation::Unrelated},
		// kernel/module/main.c: before 5.15, and elf_validity_cache_copy() in 6.1.
		{"Module has invalid ELF structures", KmsgRelation::Elf},
		{"Invalid ELF header magic: != \x7f"
		 "ELF",
		 KmsgRelation::Elf},
		{"Invalid ELF header type: 2 != 1", KmsgRelation::Elf},
		{"Invalid architecture in ELF header: 183", KmsgRelation::Elf},
		{"Invalid ELF section header overflow", KmsgRelation::Elf},
		{"ELF Spec violation: section name table isn't null terminated", KmsgRelation::Elf},
		{"Module len 120 truncated", KmsgRelation::Elf},
		// Others'.
		{"other_mod: Unknown symbol foo_fn (err -2)", KmsgRelation::Unrelated},
		{"usb 1-1: new high-speed USB device number 2 using ehci-pci",
		 KmsgRelation::Unrelated},
		{"Kernel is locked down from EFI Secure Boot mode; see man kernel_lockdown.7",
		 KmsgRelation::Unrelated},
		{"foo_bar", KmsgRelation::Unrelated},
	};
	for (const Case &c : cases) {
		INFO(c.text);
		CHECK(relation(c.text) == c.relation);
	}
}

TEST_CASE("given a caller in the record, a line without the module's name should be the "
	  "helper's own")
{
	CHECK(relation("Loading of unsigned module is rejected", 4242) == KmsgRelation::Signature);
	CHECK(relation("Loading of unsigned module is rejected", 17) == KmsgRelation::Unrelated);
	CHECK(relation("Module has invalid ELF structures", 17) == KmsgRelation::Unrelated);
	// The thread is the proof; a comm is not needed then.
	CHECK(relation("Lockdown: renamed: unsigned module loading is restricted; see man "
		       "kernel_lockdown.7",
		       4242) == KmsgRelation::Lockdown);
	// The module's own lines are its, whoever logged them (its init may run threads).
	CHECK(relation("foo_bar: probe of 0000:00:01.0 failed with error -5", 17) ==
	      KmsgRelation::Named);
}

TEST_CASE("given the insert's answer, a line without the module's name should be attached "
	  "only to the failure it explains")
{
	CHECK(explainsAnswer(KmsgRelation::Named, -ENOENT, false));
	CHECK(explainsAnswer(KmsgRelation::Named, 0, false));
	CHECK(explainsAnswer(KmsgRelation::Lockdown, -EPERM, false));
	CHECK_FALSE(explainsAnswer(KmsgRelation::Lockdown, -EKEYREJECTED, false));
	CHECK(explainsAnswer(KmsgRelation::Signature, -EKEYREJECTED, false));
	CHECK(explainsAnswer(KmsgRelation::Signature, -EPERM, false)); // lockdown's answer
	CHECK(explainsAnswer(KmsgRelation::Signature, -EBADMSG, false));
	CHECK_FALSE(explainsAnswer(KmsgRelation::Signature, -ENOENT, false));
	CHECK(explainsAnswer(KmsgRelation::Elf, -ENOEXEC, false));
	CHECK_FALSE(explainsAnswer(KmsgRelation::Elf, -EPERM, false));
	// Still running (0) or inserted: no such line.
	CHECK_FALSE(explainsAnswer(KmsgRelation::Lockdown, 0, false));
	CHECK_FALSE(explainsAnswer(KmsgRelation::Signature, 0, true));
	// The helper's own line explains any failure.
	CHECK(explainsAnswer(KmsgRelation::Elf, -EINVAL, true));
	CHECK_FALSE(explainsAnswer(KmsgRelation::Unrelated, -EPERM, true));
}

TEST_CASE("given an executable's path, we should name it as the kernel's comm does")
{
	CHECK(commOf("/usr/libexec/modloadd-insert") == "modloadd-insert");
	CHECK(commOf("modloadd-insert") == "modloadd-insert");
	CHECK(commOf("/x/a-name-longer-than-fifteen") == "a-name-longer-t");
}
