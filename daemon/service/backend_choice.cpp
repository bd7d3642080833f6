// Making the backend the settings name.
#include "service/backend_choice.h"

#include "load/kernel_backend.h"
#include "load/simulated_backend.h"
#include "report/outcome_report.h"

#include <fstream>
#include <sstream>

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

} // namespace modloadd
