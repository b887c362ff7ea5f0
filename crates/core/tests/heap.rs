//! [`dupscan_core::heap::release_freed`] gives freed small blocks back: a
//! process that built 128 MB of small buffers and freed them holds them
//! resident until it is called. Its own test binary, so no other test
//! allocates meanwhile.

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn freed_small_blocks_go_back_to_the_system() {
    fn rss_mb() -> u64 {
        let status = std::fs::read_to_string("/proc/self/status").expect("procfs");
        let line = status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .expect("VmRSS");
        let kb: u64 = line
            .split_whitespace()
            .nth(1)
            .and_then(|v| v.parse().ok())
            .expect("a number");
        kb / 1024
    }
    // 32k blocks of 4 KiB, each written so its pages are resident, freed
    // in an order that leaves the arena's top in use (a last block kept).
    let mut blocks: Vec<Vec<u64>> = (0..32_768).map(|i| vec![i as u64; 512]).collect();
    let keep = blocks.pop();
    let before = rss_mb();
    drop(blocks);
    let freed = rss_mb();
    dupscan_core::heap::release_freed();
    let after = rss_mb();
    assert!(keep.is_some_and(|k| k.len() == 512));
    assert!(
        freed + 64 > before,
        "glibc kept the blocks: {before} -> {freed} MB"
    );
    assert!(
        after + 96 < freed,
        "released {freed} -> {after} MB (built at {before} MB)"
    );
}
