// Which lines of the kernel's log belong to one insert.
#include "load/kmsg_lines.h"

#include "base/strings.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>

namespace modloadd {

namespace {

template <typename T> std::optional<T> number(std::string_view s)
{
	T value{};
	auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
	if (ec != std::errc() || end != s.data() + s.size())
		return std::nullopt;
	return value;
}

// The texts of the kernel 6.1 (and the older or distribution spellings noted) that name no
// module. Each is logged by the process in finit_module, before the call fails.
KmsgRelation kindOf(std::string_view text)
{
	// kernel/module/signing.c, module_sig_check(): "Loading of %s is rejected" (REASON:
	// "unsigned module", "module with unsupported crypto", "module with unavailable key");
	// EKEYREJECTED. Newer kernels put "NAME: " before it, which Named covers.
	if (startsWith(text, "Loading of ") && endsWith(text, " is rejected"))
		return KmsgRelation::Signature;
	// certs/system_keyring.c, verify_pkcs7_message_sig() (pr_devel upstream; distribution
	// kernels print it): a signature by a key the kernel does not trust.
	if (startsWith(text, "PKCS#7 signature not signed with a trusted key"))
		return KmsgRelation::Signature;
	// crypto/asymmetric_keys/pkcs7_*.c: pr_fmt "PKCS7: "; kernel/module_signature.c,
	// mod_check_sig(..., "module"): "module: Module is not signed with expected PKCS#7
	// message".
	if (startsWith(text, "PKCS7: ") ||
	    startsWith(text, "module: Module is not signed with expected PKCS#7 message"))
		return KmsgRelation::Signature;
	// security/lockdown/lockdown.c: "Lockdown: COMM: unsigned module loading is restricted;
	// see man kernel_lockdown.7" (and "unsafe module parameters" for an option); EPERM.
	if (startsWith(text, "Lockdown: ") &&
	    endsWith(text, " is restricted; see man kernel_lockdown.7"))
		return KmsgRelation::Lockdown;
	// kernel/module/main.c, elf_validity_cache_copy() (6.1), and "Module has invalid ELF
	// structures" (load_module() before 5.15); ENOEXEC.
	static constexpr std::array kElfPrefixes = {
		std::string_view("Module has invalid ELF structures"),
		std::string_view("Invalid ELF header"),
		std::string_view("Invalid ELF section"),
		std::string_view("Invalid architecture in ELF header"),
		std::string_view("Invalid module architecture in ELF header"),
		std::string_view("ELF Spec violation: "),
	};
	for (std::string_view prefix : kElfPrefixes)
		if (startsWith(text, prefix))
			return KmsgRelation::Elf;
	if (startsWith(text, "Module len ") && endsWith(text, " truncated"))
		return KmsgRelation::Elf;
	return KmsgRelation::Unrelated;
}

// COMM of "Lockdown: COMM: REASON is restricted; ...".
std::string_view lockdownComm(std::string_view text)
{
	text.remove_prefix(std::string_view("Lockdown: ").size());
	return text.substr(0, text.find(": "));
}

} // namespace

std::optional<KmsgRecord> parseKmsgRecord(std::string_view record)
{
	auto semi = record.find(';');
	if (semi == std::string_view::npos)
		return std::nullopt;
	std::string_view header = record.substr(0, semi);
	KmsgRecord r;
	r.text = std::string(record.substr(semi + 1, record.find('\n', semi + 1) - semi - 1));
	// PRIO,SEQ,USEC,FLAGS, then KEY=VALUE fields.
	for (size_t field = 0; !header.empty(); field++) {
		std::string_view value = header.substr(0, header.find(','));
		header.remove_prefix(std::min(header.size(), value.size() + 1));
		if (field == 1) {
			auto seq = number<uint64_t>(value);
			if (!seq)
				return std::nullopt;
			r.seq = *seq;
		} else if (field == 2) {
			auto usec = number<uint64_t>(value);
			if (!usec)
				return std::nullopt;
			r.usec = *usec;
		} else if (field >= 4 && startsWith(value, "caller=T")) {
			r.thread = number<pid_t>(value.substr(std::string_view("caller=T").size()));
		}
	}
	return r;
}

KmsgRelation relationTo(const KmsgRecord &record, const InsertParty &insert)
{
	std::string_view text = record.text;
	// Lines about a module start with its name, in either spelling.
	auto colon = text.find(':');
	if (colon != std::string_view::npos && colon > 0 &&
	    normalizeModuleName(text.substr(0, colon)) == normalizeModuleName(insert.module))
		return KmsgRelation::Named;
	KmsgRelation kind = kindOf(text);
	if (kind == KmsgRelation::Unrelated)
		return kind;
	// Without the module's name, the line must come from the helper: its thread when the
	// kernel records it (the helper has one thread, whose id is its PID), otherwise the comm
	// a lockdown line names; the signature and ELF lines name nothing, and are taken from
	// the insert's time window only.
	if (record.thread)
		return *record.thread == insert.helper ? kind : KmsgRelation::Unrelated;
	if (kind == KmsgRelation::Lockdown && lockdownComm(text) != insert.comm)
		return KmsgRelation::Unrelated;
	return kind;
}

bool explainsAnswer(KmsgRelation relation, int answer, bool byThread)
{
	switch (relation) {
	case KmsgRelation::Unrelated:
		return false;
	case KmsgRelation::Named:
		return true;
	default:
		break;
	}
	if (answer >= 0)
		return false;
	if (byThread)
		return true; // the helper's own line: it explains whatever failed
	switch (relation) {
	case KmsgRelation::Signature:
		// module_sig_check() answers EKEYREJECTED when signatures are enforced, or
		// lockdown's EPERM; a signature it cannot read, its own error (EBADMSG, ENOPKG,
		// ENOKEY, ...).
		for (int e : {EKEYREJECTED, EPERM, ENOKEY, EBADMSG, ENOPKG, ENODATA, ECANCELED,
			      EKEYEXPIRED, EKEYREVOKED})
			if (answer == -e)
				return true;
		return false;
	case KmsgRelation::Lockdown:
		return answer == -EPERM;
	case KmsgRelation::Elf:
		return answer == -ENOEXEC;
	default:
		return false;
	}
}

std::string commOf(std::string_view path)
{
	auto slash = path.rfind('/');
	std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
	return std::string(name.substr(0, 15)); // TASK_COMM_LEN - 1
}

} // namespace modloadd
