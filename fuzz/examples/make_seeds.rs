//! Writes the seed inputs of the fuzz targets into `fuzz/seeds/<target>/`.
//!
//! `cargo run --release --example make_seeds` (from `fuzz/`). The seeds are the repository's
//! example files and the kinds of files the readers' tests use (every dtype, order and
//! header version of `.npy`; Parquet column types, codecs, row groups and nulls; gzip
//! members; the CLI's documented command lines), each behind a config prefix (see
//! `partitive_fuzz::Config`). `cargo fuzz cmin` then keeps the ones that add coverage to
//! `fuzz/corpus/<target>/`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{
    ArrayRef, Float16Array, Float32Array, Float64Array, Int16Array, Int32Array, Int64Array,
    Int8Array, RecordBatch, StringArray, UInt32Array, UInt64Array, UInt8Array,
};
use arrow_schema::{Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

/// Config prefixes every seed is written with (see `partitive_fuzz::Config`): detected
/// everything (chunks of 1 and 3); a header and `,` (chunks of 64); no header, the
/// delimiter `;` and a column selection (chunks of 5000).
const CONFIGS: [[u8; 2]; 4] = [
    [0x00, b','],
    [0x20, b','],
    [0x05 | 0x40, b','],
    [0x1e | 0x60, b';'],
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

struct Out {
    dir: PathBuf,
    n: usize,
}

impl Out {
    fn new(target: &str) -> Out {
        let dir = root().join("seeds").join(target);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Out { dir, n: 0 }
    }

    /// One seed per config byte: the config byte, then `content`.
    fn file(&mut self, content: &[u8]) {
        for c in CONFIGS {
            let mut v = c.to_vec();
            v.extend_from_slice(content);
            self.raw(&v);
        }
    }

    /// A seed written as is.
    fn raw(&mut self, bytes: &[u8]) {
        std::fs::write(self.dir.join(format!("seed-{:03}", self.n)), bytes).unwrap();
        self.n += 1;
    }
}

fn texts() -> Vec<Vec<u8>> {
    let ex = root().join("../examples");
    let mut v: Vec<Vec<u8>> = vec![
        std::fs::read(ex.join("blobs.csv")).unwrap(),
        std::fs::read(ex.join("mixed.csv")).unwrap(),
    ];
    for s in [
        "1 2\n3 4\n5\t6\n",
        "a\tb\tc\n1\t2\t3\n4\t5\t6\n",
        "\u{feff}x;y\r\n1.5;2\r\n-3e2;.5\r\n",
        "# comment\n\n  # indented comment\nx,y\n1,2\n\n3,4\n",
        "\"a,b\",c\n\"1.5\",2\n\"\"\"q\"\"\",3\n",
        "1,2\n3\n",
        "1,abc\n",
        "1,nan\n2,inf\n",
        "1,1e400\n",
        "NA,1\n2,3\n",
        "x,y\n",
        "x\n",
        "1,2\n\u{00ff},3\n",
        "a,b,c\nred,1,2\nblue,NA,3\ngreen,?,4\n",
        "age,colour\n3,red\n4,blue\n5,red\n",
        "1,,3\n4,5,6\n",
        " 1 , 2 \n\t3\t,\t4\n",
        "0x10,1\n+1,-0\n1e-320,2\n",
    ] {
        v.push(s.as_bytes().to_vec());
    }
    v.push(b"1,2\n\xff,3\n".to_vec());
    // More lines than one read batch (16384 lines): the batch boundary.
    v.push("0\n".repeat(17000).into_bytes());
    // Several parser batches (512 lines each) and a late error.
    let mut long = String::from("p,q\n");
    for i in 0..1200 {
        long.push_str(&format!("{i},{}\n", i % 7));
    }
    v.push(long.clone().into_bytes());
    long.push_str("1,x\n");
    v.push(long.into_bytes());
    v
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn npy(major: u8, dict: &str, payload: &[u8], align: usize) -> Vec<u8> {
    let prefix = if major == 1 { 10 } else { 12 };
    let total = (prefix + dict.len() + 1).div_ceil(align) * align;
    let len = total - prefix;
    let mut out = b"\x93NUMPY".to_vec();
    out.extend_from_slice(&[major, 0]);
    if major == 1 {
        out.extend_from_slice(&(len as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&(len as u32).to_le_bytes());
    }
    out.extend_from_slice(dict.as_bytes());
    out.resize(total - 1, b' ');
    out.push(b'\n');
    out.extend_from_slice(payload);
    out
}

fn dict(descr: &str, fortran: bool, shape: &str) -> String {
    let f = if fortran { "True" } else { "False" };
    format!("{{'descr': '{descr}', 'fortran_order': {f}, 'shape': {shape}, }}")
}

fn npys() -> Vec<Vec<u8>> {
    let vals: Vec<f64> = (0..12).map(|i| i as f64 * 0.5 - 2.0).collect();
    let f8: Vec<u8> = vals.iter().flat_map(|v| v.to_le_bytes()).collect();
    let f8be: Vec<u8> = vals.iter().flat_map(|v| v.to_be_bytes()).collect();
    let f4: Vec<u8> = vals
        .iter()
        .flat_map(|v| (*v as f32).to_le_bytes())
        .collect();
    let i4: Vec<u8> = (0..12i32).flat_map(|v| (v - 5).to_le_bytes()).collect();
    let i8be: Vec<u8> = (0..12i64).flat_map(|v| (v * 1000).to_be_bytes()).collect();
    let mut nan = f8.clone();
    nan[40..48].copy_from_slice(&f64::NAN.to_le_bytes());
    vec![
        npy(1, &dict("<f8", false, "(4, 3)"), &f8, 64),
        npy(1, &dict("<f4", false, "(4, 3)"), &f4, 64),
        npy(1, &dict("<f4", true, "(3, 4)"), &f4, 64),
        npy(1, &dict(">f8", false, "(6, 2)"), &f8be, 64),
        npy(1, &dict("<i4", false, "(12,)"), &i4, 64),
        npy(1, &dict(">i8", true, "(2, 6)"), &i8be, 64),
        npy(2, &dict("<f8", false, "(12, 1)"), &f8, 64),
        npy(3, &dict("<f4", false, "(2, 6)"), &f4, 16),
        npy(1, &dict("<f8", false, "(4, 3)"), &f8, 1), // misaligned: a copy
        npy(1, &dict("<f8", false, "(4, 3)"), &nan, 64),
        npy(1, &dict("<f8", false, "(5, 3)"), &f8, 64), // truncated data
        npy(1, &dict("<f8", false, "(0, 3)"), &[], 64),
        npy(1, &dict("<f8", false, "(2, 2, 3)"), &f8, 64),
        npy(1, &dict("<f8", false, "(99999999999, 99999999)"), &f8, 64),
        npy(1, &dict("|u1", false, "(4, 3)"), &f8[..12], 64),
        npy(
            1,
            "{'descr':'<f8','fortran_order':False,'shape':(3L,4L)}",
            &f8,
            64,
        ),
        b"\x93NUMPY\x01\x00".to_vec(),
        // More rows than one chunk (4096) of the column-selection copy.
        npy(1, &dict("<f4", false, "(4500, 2)"), &vec![0u8; 36000], 64),
    ]
}

fn parquet_file(cols: Vec<(&str, ArrayRef)>, props: WriterProperties) -> Vec<u8> {
    let fields: Vec<Field> = cols
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), a.null_count() > 0))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let batch =
        RecordBatch::try_new(schema.clone(), cols.into_iter().map(|c| c.1).collect()).unwrap();
    let mut buf = Vec::new();
    let mut w = ArrowWriter::try_new(&mut buf, schema, Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    buf
}

fn parquets() -> Vec<Vec<u8>> {
    let n = 12;
    let numeric = |n: usize| -> Vec<(&'static str, ArrayRef)> {
        vec![
            (
                "x",
                Arc::new(Float64Array::from_iter_values(
                    (0..n).map(|i| i as f64 * 0.5),
                )) as ArrayRef,
            ),
            (
                "y",
                Arc::new(Float32Array::from_iter_values(
                    (0..n).map(|i| -(i as f32) / 3.0),
                )),
            ),
            (
                "s",
                Arc::new(StringArray::from_iter_values(
                    (0..n).map(|i| format!("r{}", i % 3)),
                )),
            ),
            (
                "i",
                Arc::new(Int32Array::from_iter_values((0..n).map(|i| i as i32 - 4))),
            ),
        ]
    };
    let ints = |n: usize| -> Vec<(&'static str, ArrayRef)> {
        vec![
            (
                "a",
                Arc::new(Int8Array::from_iter_values((0..n).map(|i| i as i8))) as ArrayRef,
            ),
            (
                "b",
                Arc::new(Int16Array::from_iter_values((0..n).map(|i| -(i as i16)))),
            ),
            (
                "c",
                Arc::new(Int64Array::from_iter_values((0..n).map(|i| 1 << (i % 60)))),
            ),
            (
                "d",
                Arc::new(UInt8Array::from_iter_values((0..n).map(|i| i as u8))),
            ),
            (
                "e",
                Arc::new(UInt32Array::from_iter_values((0..n).map(|i| i as u32 * 7))),
            ),
            (
                "f",
                Arc::new(UInt64Array::from_iter_values(
                    (0..n).map(|i| u64::MAX - i as u64),
                )),
            ),
            (
                "h",
                Arc::new(Float16Array::from_iter_values(
                    (0..n).map(|i| half::f16::from_f32(i as f32 / 4.0)),
                )),
            ),
        ]
    };
    let plain = || WriterProperties::builder();
    let mut out = vec![
        parquet_file(numeric(n), plain().build()),
        parquet_file(ints(n), plain().build()),
        parquet_file(
            numeric(n),
            plain()
                .set_max_row_group_row_count(Some(5))
                .set_compression(Compression::SNAPPY)
                .build(),
        ),
        parquet_file(
            numeric(n),
            plain()
                .set_compression(Compression::ZSTD(ZstdLevel::default()))
                .set_dictionary_enabled(false)
                .set_statistics_enabled(EnabledStatistics::None)
                .build(),
        ),
        parquet_file(
            ints(n),
            plain()
                .set_compression(Compression::LZ4_RAW)
                .set_dictionary_enabled(false)
                .set_column_encoding(ColumnPath::from("c"), Encoding::DELTA_BINARY_PACKED)
                .set_column_encoding(ColumnPath::from("e"), Encoding::DELTA_BINARY_PACKED)
                .build(),
        ),
        parquet_file(
            numeric(n),
            plain()
                .set_compression(Compression::GZIP(Default::default()))
                .set_data_page_row_count_limit(3)
                .set_write_batch_size(3)
                .build(),
        ),
        parquet_file(
            vec![(
                "x",
                Arc::new(Float64Array::from(vec![Some(1.0), None, Some(f64::NAN)])) as ArrayRef,
            )],
            plain().build(),
        ),
        parquet_file(
            vec![(
                "s",
                Arc::new(StringArray::from_iter_values(["a", "b"])) as ArrayRef,
            )],
            plain().build(),
        ),
        parquet_file(
            numeric(1000),
            plain()
                .set_max_row_group_row_count(Some(300))
                .set_column_encoding(ColumnPath::from("x"), Encoding::BYTE_STREAM_SPLIT)
                .set_column_encoding(ColumnPath::from("y"), Encoding::BYTE_STREAM_SPLIT)
                .set_dictionary_enabled(false)
                .build(),
        ),
    ];
    // More rows than one batch (8192) of the whole-file read, in two row groups.
    out.push(parquet_file(
        vec![(
            "x",
            Arc::new(Int32Array::from_iter_values((0..9000).map(|i| i % 5))) as ArrayRef,
        )],
        plain().set_max_row_group_row_count(Some(6000)).build(),
    ));
    let t = out[0].clone();
    out.push(t[..t.len() - 9].to_vec()); // truncated footer
    out.push(b"PAR1PAR1".to_vec());
    out
}

fn args() -> Vec<&'static str> {
    vec![
        "kmeans examples/blobs.csv -k 3",
        "kmeans examples/blobs.csv -k 3 --labels-out labels.txt",
        "kmeans data.csv.gz -k 10 --n-init 5 --seed 7 --labels-out labels.txt --centers-out centers.csv",
        "kmeans big.npy -k 64 --threads 2 --init deterministic --summary-out run.json",
        "kmeans a.csv -k 2 --tol -1e-3 --max-iter 0 --algorithm yinyang --init-centers c.csv",
        "kmeans a.csv -k -3",
        "kmeans a.csv -k 3 --header yes --delimiter ; --columns x,0,y --dtype f32 -q",
        "gmm examples/blobs.csv -k 5 --labels-out labels.txt --proba-out proba.csv",
        "gmm examples/blobs.csv --k-range 1..10 --criterion bic --summary-out gmm.json",
        "gmm data.npy --k-range 2..=20 --covariance diag,full,tied,spherical --reg-covar 1e-6 --tol 0",
        "gmm a.csv -k 2 --k-range 1..3",
        "kmedoids examples/blobs.csv -k 5 --metric manhattan --labels-out labels.txt",
        "kmedoids dist.npy -k 10 --precomputed --algorithm fasterpam --medoids-out medoids.txt",
        "kmedoids big.csv -k 20 --algorithm clara --seed 3",
        "kmedoids examples/mixed.csv -k 3 --metric gower --labels-out labels.txt",
        "kmedoids people.csv.gz -k 4 --metric gower --categorical sex,smoker,3 --init kmedoids++ --silhouette",
        "kmedoids a.csv -k 2 --algorithm clarans --init-medoids m.txt --max-iter 5 --delimiter whitespace",
        "auto examples/blobs.csv",
        "auto data.csv.gz --labels-out labels.txt --summary-out auto.json --tree-out tree.json",
        "auto data.npy --plot-out clusters.svg --threads 2",
        "auto data.npy --stream --plot-out x.png --min-cluster-size 0 --confidence-out c.txt",
        "auto a.csv --labels-out /nonexistent/dir/l.txt",
        "evaluate ../shared/benchmarks/clustering-data-v1 --batteries g2mg --match _(2|16)_(10|20)$",
        "evaluate root --permutations 10 --threads-check --oracle --json-out e.json --max-n 100",
        "--help",
        "kmeans --help",
        "--version",
        "help gmm",
    ]
}

fn main() {
    let mut text = Out::new("text");
    let mut gzip = Out::new("gzip");
    let texts = texts();
    for t in &texts {
        text.file(t);
    }
    text.raw(&[0, 0]);
    for t in texts.iter().skip(2).step_by(3) {
        gzip.file(&gz(t));
    }
    let a = gz(b"x,y\n1,2\n");
    let b = gz(b"3,4\n5,6\n");
    gzip.file(&[a.clone(), b].concat()); // two members
    gzip.file(&a[..a.len() - 5]); // truncated
    gzip.file(&[a.clone(), b"garbage".to_vec()].concat());
    gzip.file(&gz(&texts[0]));
    gzip.file(&gz("0\n".repeat(17000).as_bytes())); // several read batches

    let mut n = Out::new("npy");
    for f in npys() {
        n.file(&f);
    }
    let mut p = Out::new("parquet");
    for f in parquets() {
        p.file(&f);
    }
    let mut a = Out::new("args");
    for line in args() {
        let joined: Vec<u8> = line.split(' ').collect::<Vec<_>>().join("\0").into_bytes();
        a.raw(&joined);
    }
    println!("seeds written under {}", root().join("seeds").display());
}
