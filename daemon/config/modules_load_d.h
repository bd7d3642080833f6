// modules-load.d(5): the files that list modules to load at boot, read as systemd-modules-load
// does.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/module_name.h"
#include "base/request.h"
#include "config/conf_files.h"

namespace modloadd {

// The requests in one modules-load.d file's text, named DISPLAYPATH in origins and diagnostics;
// bad lines become diagnostics.
std::vector<Request> parseModulesLoadText(std::string_view text, std::string_view displayPath,
					  Diagnostics &diags);

// The requests in one modules-load.d file; bad lines and read failures become diagnostics.
std::vector<Request> parseModulesLoadFile(const ConfFile &file, Diagnostics &diags);

// listConfFiles(root, "modules-load.d", ".conf"), then each file parsed in that order.
std::vector<Request> readModulesLoadD(std::string_view root, Diagnostics &diags);

} // namespace modloadd
