#include <fstream>
#include <sstream>
#include <stdexcept>

#include "support/test_service.hpp"

namespace solarhook::test {

std::string read_sample(const std::string& name) {
    std::ifstream in(std::string(SOLARHOOK_SAMPLES_DIR) + "/" + name);
    if (!in) {
        throw std::runtime_error("missing sample " + name);
    }
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace solarhook::test
