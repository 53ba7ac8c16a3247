//! Peak memory and read time of `read_matrix`.
//!
//! `cargo run --release -p partitive-io --example io_probe -- write /tmp/x.npy 1000000 32`
//! writes an `n × d` f32 matrix (format by extension: `.npy`, `.csv`, `.csv.gz`, …);
//! `... -- read /tmp/x.npy` reads it with `read_matrix::<f32>`, sums every value three
//! times (as passes of an iterative algorithm would) and prints the read time, the file
//! size, the peak resident set size (`VmHWM`) and their ratio.

use std::path::Path;

use partitive::Mat;
use partitive_io::{read_matrix, write_matrix, ReadOptions};

fn vm_hwm_bytes() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = Path::new(args.get(1).ok_or("usage: write|read PATH [N D]")?);
    match args[0].as_str() {
        "write" => {
            let n: usize = args.get(2).map_or(Ok(1_000_000), |s| s.parse())?;
            let d: usize = args.get(3).map_or(Ok(32), |s| s.parse())?;
            let v: Vec<f32> = (0..n * d).map(|i| (i % 1000) as f32 * 0.001).collect();
            write_matrix(path, Mat::from_vec(v, n, d)?.view())?;
        }
        "read" => {
            let t = std::time::Instant::now();
            let data = read_matrix::<f32>(path, &ReadOptions::default())?;
            let secs = t.elapsed().as_secs_f64();
            let mut total = 0.0f64;
            for _ in 0..3 {
                total += data
                    .view()
                    .as_slice()
                    .iter()
                    .map(|&x| x as f64)
                    .sum::<f64>();
            }
            let size = std::fs::metadata(path)?.len();
            let hwm = vm_hwm_bytes().unwrap_or(0);
            println!(
                "read_s={secs:.3} memory_mapped={} rows={} cols={} sum={total:.3} file_bytes={size} peak_rss_bytes={hwm} ratio={:.3}",
                data.is_memory_mapped(),
                data.n_rows(),
                data.n_cols(),
                hwm as f64 / size as f64
            );
        }
        other => return Err(format!("unknown mode {other}").into()),
    }
    Ok(())
}
