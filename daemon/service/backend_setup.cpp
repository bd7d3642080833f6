// The backend of the settings.
#include "service/backend_setup.h"

#include "load/kernel_backend.h"
#include "load/simulated_backend.h"
#include "report/outcome_report.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

namespace modloadd {

std::unique_ptr<Backend> makeBackend(const Settings &settings, Journal &journal)
{
	if (settings.backend == BackendKind::Kernel)
		return std::make_unique<KernelBackend>(settings.installCommands ==
						       InstallCommands::Run);
	Diagnostics diags;
	SimulationScript script = SimulationScript::uniform(0);
	if (!settings.simulationScript.empty()) {
		std::ifstream in(settings.simulationScript);
		if (!in)
			diags.push_back({settings.simulationScript, 0,
					 "cannot read the simulation script, ignoring"});
		std::stringstream text;
		text << in.rdbuf();
		script = SimulationScript::parse(text.str(), settings.simulationScript, diags);
	}
	reportDiagnostics(journal, diags);
	return std::make_unique<SimulatedBackend>(std::move(script));
}

unsigned insertWorkers(const Settings &settings)
{
	return settings.workers ? settings.workers
				: std::max(1u, std::thread::hardware_concurrency());
}

} // namespace modloadd
