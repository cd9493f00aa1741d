//! `ytempire`: topic → published YouTube video from the command line. See `ytempire --help`.

fn main() {
    std::process::exit(ytempire_examples::cli::main());
}
