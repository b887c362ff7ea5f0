//! Writing a Parquet file back, row group by row group.
//!
//! The output has the input's schema (with `--annotate`, plus a last
//! optional string column `dupscan` holding each row's note as JSON), its
//! key-value metadata, its writer version and, column by column, its
//! compression codec and dictionary use. Each input row group gives one
//! output row group (none when all its rows go), so row-group sizes stay
//! what they were, less the rows removed.
//!
//! A column chunk none of whose rows change is copied as its encoded bytes,
//! never decoded: every column of a row group that loses no row, every
//! column but the text one of a row group whose texts lose units. The
//! other chunks are decoded a batch of records at a time and encoded again
//! with the rows of dropped documents left out (nested values go with their
//! row, by their repetition levels) and the text column's values cut as
//! [`Rewrite::kept`] says (with several text fields, each column loses
//! the units that fall in its field); cuts are made in the value's raw bytes
//! ([`splice`]), so invalid UTF-8 outside them is kept. Rows that are not
//! documents (a null text skipped with `--skip-bad-lines`) stay. The file is
//! checked against what was scanned once it is read (see
//! [`Reread::verified`](super::Reread::verified)).

use std::io::{self, BufRead, Write};
use std::sync::Arc;

use ::parquet::basic::Type as PhysicalType;
use ::parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use ::parquet::column::writer::{ColumnCloseResult, ColumnWriterImpl};
use ::parquet::data_type::{
    BoolType, ByteArray, ByteArrayType, DataType, DoubleType, FixedLenByteArrayType, FloatType,
    Int32Type, Int64Type, Int96Type,
};
use ::parquet::errors::ParquetError;
use ::parquet::file::metadata::{
    KeyValue, PageIndexPolicy, ParquetMetaData, ParquetMetaDataReader,
};
use ::parquet::file::page_index::column_index::ColumnIndexMetaData;
use ::parquet::file::page_index::offset_index::OffsetIndexMetaData;
use ::parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};
use ::parquet::file::reader::{FileReader, RowGroupReader};
use ::parquet::file::serialized_reader::SerializedFileReader;
use ::parquet::file::writer::{SerializedColumnWriter, SerializedFileWriter};
use ::parquet::schema::types::{ColumnPath, Type as SchemaType};

use super::Mode;
use super::format::{Output, Rewrite, WriteBack, splice_field};
use super::jsonl::ANNOTATION_FIELD;
use super::splice::{Encoding, Mismatch};
use crate::corpus::{self, Columns, Layout};
use crate::error::{Error, Result};

/// The write-back of Parquet files.
#[derive(Debug, Clone, Copy, Default)]
pub struct ParquetWriteBack;

impl WriteBack for ParquetWriteBack {
    fn layout(&self) -> Layout {
        Layout::Parquet
    }

    fn annotates(&self) -> bool {
        true
    }

    fn omits_emptied(&self) -> bool {
        false
    }

    fn rewrite(&self, job: &Rewrite<'_>) -> Result<()> {
        let input = job.reopen()?;
        job.write(|out| input.verified(|reader| write(job, reader, out)))
    }
}

/// The key-value metadata entry of the Arrow schema, which an added column
/// would contradict.
const ARROW_SCHEMA: &str = "ARROW:schema";

/// Writes `job`'s source, opened again as `reader`, to `out`.
fn write(job: &Rewrite<'_>, reader: &mut dyn BufRead, out: &mut Output<'_>) -> Result<()> {
    let path = &job.source().path;
    let file = corpus::open_random(path, reader)?;
    let chunks = corpus::Positional::new(file);
    let reader = SerializedFileReader::new(chunks.clone()).map_err(corpus::invalid(path))?;
    let meta = reader.metadata();
    // The page indexes, handed on with the chunks copied as they are.
    let indexes = ParquetMetaDataReader::new()
        .with_page_index_policy(PageIndexPolicy::Optional)
        .parse_and_finish(&chunks)
        .map_err(corpus::invalid(path))?;
    let schema = meta.file_metadata().schema_descr();
    let columns = Columns::find(schema, path, job.read_options())?;
    let annotate = job.mode() == Mode::Annotate;
    let root = schema.root_schema();
    if annotate
        && root
            .get_fields()
            .iter()
            .any(|f| f.name() == ANNOTATION_FIELD)
    {
        return Err(Error::BadLine {
            path: path.clone(),
            line: 1,
            message: format!(
                "the file already has a \"{ANNOTATION_FIELD}\" column; \
                 --annotate will not add a second one"
            ),
        });
    }
    let werr = |e: ParquetError| job.write_error(io::Error::other(e));
    let out_schema = if annotate {
        let note = SchemaType::primitive_type_builder(ANNOTATION_FIELD, PhysicalType::BYTE_ARRAY)
            .with_repetition(::parquet::basic::Repetition::OPTIONAL)
            .with_logical_type(Some(::parquet::basic::LogicalType::String))
            .build()
            .map_err(werr)?;
        let mut fields = root.get_fields().to_vec();
        fields.push(Arc::new(note));
        Arc::new(
            SchemaType::group_type_builder(root.name())
                .with_fields(fields)
                .build()
                .map_err(werr)?,
        )
    } else {
        schema.root_schema_ptr()
    };
    let props = properties(meta, &columns, annotate, indexes.offset_index().is_some());
    let mut writer =
        SerializedFileWriter::new(out.stream(), out_schema, Arc::new(props)).map_err(werr)?;
    let docs = job.docs();
    let mut next = 0;
    let mut first_row = 0u64;
    for index in 0..meta.num_row_groups() {
        let group_meta = meta.row_group(index);
        let rows = usize::try_from(group_meta.num_rows()).unwrap_or(0);
        let end = first_row + rows as u64;
        let mut doc_of = vec![None; rows];
        while let Some(doc) = docs.get(next).filter(|d| d.line <= end) {
            let row = doc.line.checked_sub(first_row + 1);
            let slot = row.and_then(|r| doc_of.get_mut(usize::try_from(r).ok()?));
            *slot.ok_or_else(|| job.changed(doc.line, "the rows are not where they were"))? =
                Some(next);
            next += 1;
        }
        let group = Group {
            job,
            first_row,
            doc_of,
            columns: &columns,
            offsets: indexes.offset_index().and_then(|o| o.get(index)),
            stats: indexes.column_index().and_then(|c| c.get(index)),
        };
        let row_group = reader.get_row_group(index).map_err(corpus::invalid(path))?;
        group.write(&*row_group, &chunks, &mut writer)?;
        first_row = end;
    }
    if let Some(doc) = docs.get(next) {
        return Err(job.changed(doc.line, "the file has fewer rows than when it was read"));
    }
    writer.close().map_err(werr)?;
    Ok(())
}

/// The writer properties that keep what the input's metadata records:
/// writer version, key-value metadata, largest row group, and per column
/// the codec and dictionary use of its first chunk; page indexes only if
/// the input has them (`indexed`: chunks copied as they are keep theirs,
/// and the writer wants them for all chunks or none).
fn properties(
    meta: &ParquetMetaData,
    columns: &Columns,
    annotate: bool,
    indexed: bool,
) -> WriterProperties {
    let file = meta.file_metadata();
    let version = if file.version() >= 2 {
        WriterVersion::PARQUET_2_0
    } else {
        WriterVersion::PARQUET_1_0
    };
    let largest = meta.row_groups().iter().map(|g| g.num_rows()).max();
    let largest = largest
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(1)
        .max(1);
    let mut kv: Option<Vec<KeyValue>> = file.key_value_metadata().cloned();
    if let Some(kv) = kv.as_mut().filter(|_| annotate) {
        kv.retain(|e| e.key != ARROW_SCHEMA);
    }
    let mut props = WriterProperties::builder()
        .set_writer_version(version)
        .set_max_row_group_row_count(Some(largest))
        .set_key_value_metadata(kv);
    if !indexed {
        props = props
            .set_statistics_enabled(EnabledStatistics::Chunk)
            .set_offset_index_disabled(true);
    }
    if let Some(first) = meta.row_groups().first() {
        for chunk in first.columns() {
            props = props
                .set_column_compression(chunk.column_path().clone(), chunk.compression())
                .set_column_dictionary_enabled(
                    chunk.column_path().clone(),
                    chunk.dictionary_page_offset().is_some(),
                );
        }
        if annotate {
            let codec = first.column(columns.texts[0]).compression();
            props = props.set_column_compression(ColumnPath::from(ANNOTATION_FIELD), codec);
        }
    }
    props.build()
}

/// One row group to write.
struct Group<'a> {
    job: &'a Rewrite<'a>,
    /// The number of rows before it in the file.
    first_row: u64,
    /// For each of its rows, the document read from it, if any.
    doc_of: Vec<Option<usize>>,
    columns: &'a Columns,
    /// The offset index of each of its column chunks, if the file has them.
    offsets: Option<&'a Vec<OffsetIndexMetaData>>,
    /// The column index of each, if the file has them.
    stats: Option<&'a Vec<ColumnIndexMetaData>>,
}

impl Group<'_> {
    /// Whether its row `row` stays.
    fn keeps(&self, row: usize) -> bool {
        let remove = self.job.mode() == Mode::Remove;
        self.doc_of[row].is_none_or(|d| !(remove && self.job.plan(d).dropped))
    }

    /// Writes the row group read by `reader` (whose file `chunks` is) as the
    /// next one of `writer`, unless none of its rows stays.
    fn write<W: Write + Send>(
        &self,
        reader: &dyn RowGroupReader,
        chunks: &corpus::Positional,
        writer: &mut SerializedFileWriter<W>,
    ) -> Result<()> {
        let job = self.job;
        let path = &job.source().path;
        let werr = |e: ParquetError| job.write_error(io::Error::other(e));
        let keep: Vec<bool> = (0..self.doc_of.len()).map(|r| self.keeps(r)).collect();
        let kept = keep.iter().filter(|&&k| k).count();
        if kept == 0 {
            return Ok(());
        }
        let cut = job.mode() == Mode::Remove
            && self.doc_of.iter().flatten().any(|&d| {
                let plan = job.plan(d);
                !plan.dropped && !plan.unchanged()
            });
        let meta = reader.metadata();
        let mut out = writer.next_row_group().map_err(werr)?;
        for (index, chunk) in meta.columns().iter().enumerate() {
            let field = self.columns.text_field(index);
            if kept == keep.len() && !(field.is_some() && cut) {
                let close = ColumnCloseResult {
                    bytes_written: u64::try_from(chunk.compressed_size()).unwrap_or(0),
                    rows_written: keep.len() as u64,
                    metadata: chunk.clone(),
                    bloom_filter: None,
                    column_index: self.stats.and_then(|c| c.get(index)).cloned(),
                    offset_index: self.offsets.and_then(|o| o.get(index)).cloned(),
                };
                out.append_column(chunks, close).map_err(werr)?;
                continue;
            }
            let column = reader
                .get_column_reader(index)
                .map_err(corpus::invalid(path))?;
            let mut target = out
                .next_column()
                .map_err(werr)?
                .ok_or_else(|| werr(ParquetError::General("a column too few".into())))?;
            let descr = chunk.column_descr();
            let levels = Levels {
                max_def: descr.max_def_level(),
                max_rep: descr.max_rep_level(),
                keep: &keep,
            };
            if let Some(field) = field {
                let mut edit = |row: usize, value: &mut ByteArray| self.cut(field, row, value);
                self.copy(column, &mut target, &levels, &mut edit)?;
            } else {
                self.copy(column, &mut target, &levels, &mut |_, _| Ok(()))?;
            }
            target.close().map_err(werr)?;
        }
        if job.mode() == Mode::Annotate {
            let mut notes = Vec::new();
            let mut defs = Vec::with_capacity(self.doc_of.len());
            for doc in &self.doc_of {
                match doc.map(|d| job.note(d)).transpose()?.flatten() {
                    Some(note) => {
                        notes.push(ByteArray::from(note.into_bytes()));
                        defs.push(1);
                    }
                    None => defs.push(0),
                }
            }
            let mut target = out
                .next_column()
                .map_err(werr)?
                .ok_or_else(|| werr(ParquetError::General("no column for the notes".into())))?;
            target
                .typed::<ByteArrayType>()
                .write_batch(&notes, Some(&defs), None)
                .map_err(werr)?;
            target.close().map_err(werr)?;
        }
        out.close().map_err(werr)?;
        Ok(())
    }

    /// Cuts the removed units out of `value`, text field `field` of row
    /// `row` of the group, when the row is a document that loses some.
    fn cut(&self, field: usize, row: usize, value: &mut ByteArray) -> Result<()> {
        let job = self.job;
        let Some(doc) = self.doc_of[row] else {
            return Ok(());
        };
        let plan = job.plan(doc);
        if plan.unchanged() || plan.dropped {
            return Ok(());
        }
        let document = &job.docs()[doc];
        let mut cut = Vec::with_capacity(value.len());
        let kept = job.kept(doc);
        splice_field(
            document,
            field,
            &kept,
            value.data(),
            Encoding::Utf8,
            &mut cut,
        )
        .map_err(|Mismatch| {
            job.changed(
                self.first_row + row as u64 + 1,
                "the text column is not what was read",
            )
        })?;
        *value = ByteArray::from(cut);
        Ok(())
    }

    /// Copies one column chunk from `column` to `target`, leaving out the
    /// rows `levels.keep` does not keep and passing each byte-array value
    /// through `edit`.
    fn copy(
        &self,
        column: ColumnReader,
        target: &mut SerializedColumnWriter<'_>,
        levels: &Levels<'_>,
        edit: &mut dyn FnMut(usize, &mut ByteArray) -> Result<()>,
    ) -> Result<()> {
        match column {
            ColumnReader::BoolColumnReader(r) => {
                self.filter::<BoolType>(r, target, levels, &mut |_, _| Ok(()))
            }
            ColumnReader::Int32ColumnReader(r) => {
                self.filter::<Int32Type>(r, target, levels, &mut |_, _| Ok(()))
            }
            ColumnReader::Int64ColumnReader(r) => {
                self.filter::<Int64Type>(r, target, levels, &mut |_, _| Ok(()))
            }
            ColumnReader::Int96ColumnReader(r) => {
                self.filter::<Int96Type>(r, target, levels, &mut |_, _| Ok(()))
            }
            ColumnReader::FloatColumnReader(r) => {
                self.filter::<FloatType>(r, target, levels, &mut |_, _| Ok(()))
            }
            ColumnReader::DoubleColumnReader(r) => {
                self.filter::<DoubleType>(r, target, levels, &mut |_, _| Ok(()))
            }
            ColumnReader::ByteArrayColumnReader(r) => {
                self.filter::<ByteArrayType>(r, target, levels, edit)
            }
            ColumnReader::FixedLenByteArrayColumnReader(r) => {
                self.filter::<FixedLenByteArrayType>(r, target, levels, &mut |_, _| Ok(()))
            }
        }
    }

    /// [`Group::copy`] for one physical type.
    fn filter<T: DataType>(
        &self,
        mut reader: ColumnReaderImpl<T>,
        target: &mut SerializedColumnWriter<'_>,
        levels: &Levels<'_>,
        edit: &mut dyn FnMut(usize, &mut T::T) -> Result<()>,
    ) -> Result<()> {
        let job = self.job;
        let path = &job.source().path;
        let werr = |e: ParquetError| job.write_error(io::Error::other(e));
        let writer: &mut ColumnWriterImpl<'_, T> = target.typed::<T>();
        let Levels {
            max_def,
            max_rep,
            keep,
        } = *levels;
        let (mut defs, mut reps, mut values) = (Vec::new(), Vec::new(), Vec::new());
        let (mut out_defs, mut out_reps, mut out_values) = (Vec::new(), Vec::new(), Vec::new());
        // The row of the current record, and the next record's.
        let (mut row, mut next) = (0usize, 0usize);
        loop {
            defs.clear();
            reps.clear();
            values.clear();
            let (records, _, read) = reader
                .read_records(
                    corpus::PARQUET_BATCH,
                    Some(&mut defs),
                    Some(&mut reps),
                    &mut values,
                )
                .map_err(corpus::invalid(path))?;
            if records == 0 {
                break;
            }
            let n = if max_def == 0 && max_rep == 0 {
                records
            } else {
                read
            };
            out_defs.clear();
            out_reps.clear();
            out_values.clear();
            let mut value = values.iter();
            for i in 0..n {
                if max_rep == 0 || reps.get(i) == Some(&0) {
                    row = next;
                    next += 1;
                }
                let present = max_def == 0 || defs.get(i) == Some(&max_def);
                let v = if present { value.next() } else { None };
                if !keep.get(row).copied().unwrap_or(true) {
                    continue;
                }
                if max_def > 0 {
                    out_defs.push(defs[i]);
                }
                if max_rep > 0 {
                    out_reps.push(reps[i]);
                }
                if let Some(v) = v {
                    let mut v = v.clone();
                    edit(row, &mut v)?;
                    out_values.push(v);
                }
            }
            writer
                .write_batch(
                    &out_values,
                    (max_def > 0).then_some(&out_defs[..]),
                    (max_rep > 0).then_some(&out_reps[..]),
                )
                .map_err(werr)?;
        }
        if next != keep.len() {
            return Err(job.changed(
                self.first_row + 1,
                "a column of this row group has another number of rows",
            ));
        }
        Ok(())
    }
}

/// What [`Group::filter`] needs of a column's levels.
#[derive(Clone, Copy)]
struct Levels<'a> {
    max_def: i16,
    max_rep: i16,
    /// Whether each row of the group stays.
    keep: &'a [bool],
}
