//! Emits `cfg(skip_gpu_tests)` when `YTEMPIRE_GPU_TESTS=no`, so GPU tests can be skipped on
//! machines without any Vulkan/GL driver (CI installs Mesa lavapipe and runs them).

fn main() {
    println!("cargo::rustc-check-cfg=cfg(skip_gpu_tests)");
    println!("cargo::rerun-if-env-changed=YTEMPIRE_GPU_TESTS");
    if std::env::var("YTEMPIRE_GPU_TESTS").is_ok_and(|v| v.eq_ignore_ascii_case("no")) {
        println!("cargo::rustc-cfg=skip_gpu_tests");
    }
}
