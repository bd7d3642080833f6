// A value, or why there is none: what opening a resource or reading untrusted input returns.
//
// The conventions at the seams (docs/ARCHITECTURE.md, "Errors"): a C call's wrapper returns
// int (>= 0, or -errno); a lookup that may find nothing returns std::optional; a step that can
// fail for a reason a person must read (an index that will not open, a socket refused, a
// message refused) returns Result<T>, whose Error carries -errno and that sentence; a parser of
// configuration returns its values and reports bad lines as Diagnostics.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace modloadd {

struct Error {
	int code = 0;	     // -errno (-EINVAL where no call failed)
	std::string message; // the whole sentence a person reads: "cannot open X: reason"
};

// Success without a value.
struct Done {};

template <typename T, typename E = Error> class [[nodiscard]] Result {
public:
	Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
	Result(E error) : state_(std::in_place_index<1>, std::move(error)) {}

	explicit operator bool() const { return state_.index() == 0; }
	bool ok() const { return state_.index() == 0; }

	T &operator*()
	{
		assert(ok());
		return std::get<0>(state_);
	}
	const T &operator*() const
	{
		assert(ok());
		return std::get<0>(state_);
	}
	T *operator->() { return &**this; }
	const T *operator->() const { return &**this; }

	const E &error() const
	{
		assert(!ok());
		return std::get<1>(state_);
	}

private:
	std::variant<T, E> state_;
};

using Status = Result<Done>;

} // namespace modloadd
