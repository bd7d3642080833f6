// The seam between the loader and the kernel: the only virtual interface the loader needs.
#pragma once

#include <memory>
#include <string>

namespace modloadd {

// Everything a worker needs to insert one module; plain data, safe to hand across threads.
struct LoadJob {
	std::string name;
	std::string path;	    // the .ko file (with any --root prefix)
	std::string options;	    // modprobe.d and command-line parameters
	std::string installCommand; // run instead of inserting, when settings allow it
};

// One per worker thread: implementations keep per-thread state (a libkmod context is not
// thread-safe). insert() runs on the worker's thread; the other two members are called from
// another thread while insert() runs, and must be safe for that.
class BackendWorker {
public:
	virtual ~BackendWorker() = default;
	// 0 on success or -errno. `kernelMessage` receives what the kernel said about a failure.
	virtual int insert(const LoadJob &job, std::string &kernelMessage) = 0;
	// While an insert runs past its time: what the kernel said about the module so far.
	virtual std::string linesSoFar() { return {}; }
	// Makes a running insert() return -ECANCELED at once, and every later one too. The
	// module's init, where it runs, goes on without us: the worker never waits on it.
	virtual void abandon() = 0;
};

class Backend {
public:
	virtual ~Backend() = default;
	// Called once per worker thread, from that thread.
	virtual std::unique_ptr<BackendWorker> makeWorker() = 0;
	// Before the first insert, while the daemon still reads: sets up what the first COUNT
	// workers will need, so that the first inserts do not wait for it.
	virtual void prepare(unsigned count) { (void)count; }
	// Remember the kernel's refusals for good in the refusal memory at PATH (load/refusals.h)
	// where its answer arrives, before any insert: true when this backend does so itself, in
	// the process that meets the answer; false leaves it to the loader's recorder.
	virtual bool rememberRefusalsIn(const std::string &path)
	{
		(void)path;
		return false;
	}
};

} // namespace modloadd
