//! `parquet_read`: how fast dupscan reads Parquet against JSON Lines holding
//! the same text.
//!
//! ```text
//! cargo run --release --example parquet_read -- convert IN.jsonl[.zst] OUT.parquet [CODEC] [ROWS]
//! cargo run --release --example parquet_read -- read INPUT...
//! ```
//!
//! `convert` reads a JSON Lines corpus with dupscan's reader and writes its
//! documents as a Parquet file of two string columns, `id` and `text`, with
//! `CODEC` (`snappy`, the default, `zstd`, `gzip` or `none`) and `ROWS` rows
//! per row group (default 4096). `read` reads its inputs with
//! [`dupscan::corpus::read_inputs`], as `dupscan scan` does before anything
//! else, and prints the documents, the bytes of their texts, the seconds and
//! the text megabytes (10^6 bytes) per second; the text is the same whatever
//! the input's format, so the rates compare. Peak memory is measured from
//! outside (`/usr/bin/time -v`).

use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use dupscan::corpus::{ReadOptions, read_inputs};
use parquet::basic::{Compression, GzipLevel, ZstdLevel};
use parquet::data_type::{ByteArray, ByteArrayType};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> Fallible<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("convert") if args.len() >= 3 => convert(&args[1..]),
        Some("read") if args.len() >= 2 => read(&args[1..]),
        _ => Err("usage: parquet_read convert IN OUT [CODEC] [ROWS] | read INPUT...".into()),
    }
}

fn convert(args: &[String]) -> Fallible<()> {
    let codec = match args.get(2).map_or("snappy", String::as_str) {
        "snappy" => Compression::SNAPPY,
        "zstd" => Compression::ZSTD(ZstdLevel::default()),
        "gzip" => Compression::GZIP(GzipLevel::default()),
        "none" => Compression::UNCOMPRESSED,
        other => return Err(format!("unknown codec {other}").into()),
    };
    let rows: usize = args.get(3).map_or(Ok(4096), |r| r.parse())?;
    let corpus = read_inputs(&[PathBuf::from(&args[0])], &ReadOptions::default(), &|_| {})?;
    let schema = Arc::new(parse_message_type(
        "message doc { required binary id (STRING); required binary text (STRING); }",
    )?);
    let props = Arc::new(WriterProperties::builder().set_compression(codec).build());
    let mut writer = SerializedFileWriter::new(File::create(&args[1])?, schema, props)?;
    for group in corpus.docs.chunks(rows.max(1)) {
        let mut rg = writer.next_row_group()?;
        for column in 0..2 {
            let values: Vec<ByteArray> = group
                .iter()
                .map(|d| {
                    let v = if column == 0 { &d.id } else { &d.text };
                    ByteArray::from(v.as_bytes().to_vec())
                })
                .collect();
            let mut col = rg.next_column()?.ok_or("a column too few")?;
            col.typed::<ByteArrayType>()
                .write_batch(&values, None, None)?;
            col.close()?;
        }
        rg.close()?;
    }
    writer.close()?;
    println!("{} documents written to {}", corpus.docs.len(), args[1]);
    Ok(())
}

fn read(args: &[String]) -> Fallible<()> {
    let inputs: Vec<PathBuf> = args.iter().map(PathBuf::from).collect();
    let start = Instant::now();
    let corpus = read_inputs(&inputs, &ReadOptions::default(), &|_| {})?;
    let seconds = start.elapsed().as_secs_f64();
    let text: usize = corpus.docs.iter().map(|d| d.text.len()).sum();
    println!(
        "{} documents, {} text bytes, {seconds:.3} s, {:.1} MB/s",
        corpus.docs.len(),
        text,
        text as f64 / 1e6 / seconds
    );
    Ok(())
}
