// Which lines of the kernel's log belong to one insert: the records of /dev/kmsg, and the
// matcher that attaches to a failed insert the lines that name its module and the kernel's
// lines about signatures, lockdown and ELF checks, which name none.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace modloadd {

// One record of /dev/kmsg (Documentation/ABI/testing/dev-kmsg):
// "PRIO,SEQ,USEC,FLAGS[,caller=T123];TEXT\n" then continuation lines starting with a space.
struct KmsgRecord {
	uint64_t seq = 0;
	uint64_t usec = 0;
	// The thread that logged it, when the kernel says (CONFIG_PRINTK_CALLER: "caller=T123";
	// "C3" for a CPU in interrupt context is no thread).
	std::optional<pid_t> thread;
	std::string text; // the first line of the text
};

std::optional<KmsgRecord> parseKmsgRecord(std::string_view record);

// An insert as the kernel sees it: the module, and the helper process that asked for it.
struct InsertParty {
	std::string_view module;
	pid_t helper = 0;
	std::string_view comm; // the helper's comm, as "Lockdown: COMM: ..." names it
};

// The kind of line a record is for an insert.
enum class KmsgRelation {
	Unrelated,
	Named, // "MODULE: ...", in either spelling of the name
	// Lines of the module loader that name no module, each logged by the inserting process
	// before finit_module fails, and only in the answer it gives:
	Signature, // kernel/module/signing.c, certs/system_keyring.c, PKCS#7: EKEYREJECTED, ...
	Lockdown,  // security/lockdown/lockdown.c: EPERM
	Elf,	   // kernel/module/main.c's ELF checks: ENOEXEC
};

// What a record is to the insert: Named by the name alone; the others only when logged by the
// helper (its thread, when the record says; otherwise, for a lockdown line, its comm).
KmsgRelation relationTo(const KmsgRecord &record, const InsertParty &insert);

// Whether a line of that kind goes with the insert's answer (-errno): a line without the
// module's name is attached only to the failure it explains, so that the line of one
// worker's insert does not land on another's that fails otherwise at the same time.
bool explainsAnswer(KmsgRelation relation, int answer, bool byThread);

// The comm the kernel gives a process run from PATH: its file name, cut to 15 bytes.
std::string commOf(std::string_view path);

} // namespace modloadd
