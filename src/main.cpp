// Entry point: everything, including option parsing, lives in the core library.
#include "solarhook/app/cli.hpp"

int main(int argc, char** argv) {
    return solarhook::app::run_cli(argc, argv);
}
