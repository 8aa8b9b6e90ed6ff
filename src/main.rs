#[global_allocator]
static ALLOCATOR: standin::memory::Allocator = standin::memory::Allocator;

fn main() -> std::process::ExitCode {
    standin::memory::limit_allocator_retention();
    standin::cli::main()
}
