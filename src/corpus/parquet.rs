//! Parquet: one document per row, the text and the id in named columns.
//!
//! A file is recognised by its `.parquet` extension, or (a file no other
//! format claims by name) by the `PAR1` magic number at both ends
//! ([`has_magic`]); stdin by `PAR1` followed by the first page header. Its
//! footer is read first, then the text column (`--text-field`) and the id
//! column (`--id-field`) of each row group, row groups in parallel: only
//! those two column chunks are read, page by page, so memory follows one row
//! group's two columns per thread, not the file. With several text fields
//! (`--text-field` given more than once), each row's values are joined by a
//! newline, in order, as in JSON Lines ([`Document::joins`] records where
//! each starts); the columns after the first are read a row group at a
//! time. The other columns are never
//! decoded. Stdin, and any file that is not a regular file, is first copied
//! to an anonymous temporary file, since Parquet is read from its end.
//!
//! A field names a leaf column: its name (`text`), a dotted path into struct
//! columns (`meta.text`), or a JSON pointer (`/meta/text`); a column whose
//! own name holds a dot is found by that name first. The text column holds
//! strings (`BYTE_ARRAY`, invalid UTF-8 replaced and counted) outside any
//! list; the id column strings or integers; a row without an id (a null,
//! or no such column) gets `path:row`. A null text (in any text column) is
//! an error naming the row and the column, or with `--skip-bad-lines` a
//! skipped row counted as a bad line.
//! Positions ([`Document::line`]) are 1-based row numbers in the file.
//!
//! A `.parquet` name under `.gz` / `.zst` is refused when listed: Parquet
//! compresses its own pages, and the format is read from its end.

use std::fs::File;
use std::io::{self, BufRead, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;

use ::parquet::basic::Type as PhysicalType;
use ::parquet::column::reader::{ColumnReader, ColumnReaderImpl, get_typed_column_reader};
use ::parquet::data_type::{ByteArrayType, DataType, Int32Type, Int64Type};
use ::parquet::errors::ParquetError;
use ::parquet::file::reader::{ChunkReader, FileReader, Length, RowGroupReader};
use ::parquet::file::serialized_reader::SerializedFileReader;
use ::parquet::schema::types::{ColumnDescriptor, SchemaDescriptor};
use rayon::prelude::*;

use super::format::{Input, InputFormat, Parallelism, Position, Records, add_counts};
use super::text::MAX_DOC;
use super::walk::{is_stdin, read_error};
use super::{BadLines, Document, Layout, Warning};
use crate::error::{Error, Result};

/// The magic number at the start and the end of a Parquet file.
pub(crate) const MAGIC: &[u8; 4] = b"PAR1";

/// Records read per call into a column reader.
pub(crate) const BATCH: usize = 4096;

/// Parquet files: one document per row.
#[derive(Debug, Clone, Copy, Default)]
pub struct ParquetFormat;

impl InputFormat for ParquetFormat {
    fn layout(&self) -> Layout {
        Layout::Parquet
    }

    fn name(&self) -> &'static str {
        "Parquet"
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["parquet"]
    }

    /// Parquet when the stream starts with `PAR1` and the byte that starts
    /// every first page header (a Thrift field 1 of type i32, `0x15`), which
    /// no text starts with.
    fn sniff(&self, head: &[u8]) -> Option<bool> {
        const START: &[u8] = b"PAR1\x15";
        if head.len() < START.len() && START.starts_with(head) {
            return None;
        }
        Some(head.starts_with(START))
    }

    fn position(&self) -> Position {
        Position::Row
    }

    fn parallelism(&self) -> Parallelism {
        Parallelism::WithinFile
    }

    fn filters_as_it_reads(&self) -> bool {
        true
    }

    fn read(&self, input: Input<'_>, out: &mut Records) -> Result<()> {
        let path = input.path;
        let file = open_random(path, &mut *input.reader)?;
        let reader = SerializedFileReader::new(Positional::new(file)).map_err(invalid(path))?;
        let columns = Columns::find(
            reader.metadata().file_metadata().schema_descr(),
            path,
            input.opts,
        )?;
        let meta = reader.metadata();
        let mut first_rows = Vec::with_capacity(meta.num_row_groups());
        let mut rows = 0u64;
        for group in meta.row_groups() {
            first_rows.push(rows);
            rows += u64::try_from(group.num_rows()).unwrap_or(0);
        }
        let context = Context {
            path,
            source: input.source,
            opts: input.opts,
            on_bytes: input.on_bytes,
        };
        // Row groups are read in parallel; with a text filter, a few at a
        // time (two per thread), each batch's texts filtered before the
        // next is read, so that memory holds the texts kept and a batch,
        // not the file.
        let batch = match out.keep_text {
            Some(_) => 2 * rayon::current_num_threads().max(1),
            None => first_rows.len().max(1),
        };
        for (start, firsts) in (0..).step_by(batch).zip(first_rows.chunks(batch)) {
            let groups: Vec<Result<Records>> = firsts
                .par_iter()
                .enumerate()
                .map(|(i, &first_row)| {
                    let group = reader.get_row_group(start + i).map_err(invalid(path))?;
                    let read = Group {
                        reader: &*group,
                        first_row,
                        columns: &columns,
                        input: &context,
                    };
                    read.documents()
                })
                .collect();
            for group in groups {
                let mut group = group?;
                let from = out.docs.len();
                out.docs.append(&mut group.docs);
                if let Some(keep) = &out.keep_text {
                    keep.apply(&mut out.docs, from);
                }
                out.warnings.append(&mut group.warnings);
                add_counts(&mut out.stats, group.stats);
            }
        }
        Ok(())
    }
}

/// Whether the file at `path` is a regular file of at least 12 bytes that
/// starts and ends with `PAR1`: Parquet, whatever its name.
pub(crate) fn has_magic(path: &Path) -> bool {
    let ends = || -> io::Result<bool> {
        let mut file = File::open(path)?;
        let meta = file.metadata()?;
        if !meta.is_file() || meta.len() < 12 {
            return Ok(false);
        }
        let mut head = [0u8; 4];
        file.read_exact(&mut head)?;
        file.seek(SeekFrom::End(-4))?;
        let mut tail = [0u8; 4];
        file.read_exact(&mut tail)?;
        Ok(&head == MAGIC && &tail == MAGIC)
    };
    std::fs::metadata(path).is_ok_and(|m| m.is_file()) && ends().unwrap_or(false)
}

/// The file at `path` opened for random access; for stdin and anything
/// that is not a regular file (a FIFO), `stream` copied to an anonymous
/// temporary file first.
pub(crate) fn open_random(path: &Path, stream: &mut dyn BufRead) -> Result<File> {
    let regular = !is_stdin(path) && std::fs::metadata(path).is_ok_and(|m| m.is_file());
    if regular {
        return File::open(path).map_err(read_error(path));
    }
    let mut spool = tempfile::tempfile().map_err(read_error(path))?;
    io::copy(stream, &mut spool).map_err(read_error(path))?;
    spool.rewind().map_err(read_error(path))?;
    Ok(spool)
}

/// A file read by position, so that threads reading row groups at the same
/// time do not move one another's offset (the `parquet` crate's own reader
/// for a [`File`] shares one offset among its clones).
#[derive(Debug, Clone)]
pub(crate) struct Positional(Arc<File>);

impl Positional {
    pub(crate) fn new(file: File) -> Self {
        Self(Arc::new(file))
    }
}

/// A reader of a [`Positional`] file from some offset on.
pub(crate) struct At {
    file: Arc<File>,
    offset: u64,
}

/// Reads at `offset` of `file`, without moving any file offset.
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_at(file, buf, offset)
    }
    #[cfg(windows)]
    {
        std::os::windows::fs::FileExt::seek_read(file, buf, offset)
    }
}

impl Read for At {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = read_at(&self.file, buf, self.offset)?;
        self.offset += n as u64;
        Ok(n)
    }
}

impl Length for Positional {
    fn len(&self) -> u64 {
        self.0.metadata().map_or(0, |m| m.len())
    }
}

impl ChunkReader for Positional {
    type T = io::BufReader<At>;

    fn get_read(&self, start: u64) -> ::parquet::errors::Result<Self::T> {
        Ok(io::BufReader::with_capacity(
            64 * 1024,
            At {
                file: Arc::clone(&self.0),
                offset: start,
            },
        ))
    }

    fn get_bytes(&self, start: u64, length: usize) -> ::parquet::errors::Result<Bytes> {
        let mut buf = vec![0u8; length];
        let mut at = At {
            file: Arc::clone(&self.0),
            offset: start,
        };
        at.read_exact(&mut buf)?;
        Ok(buf.into())
    }
}

/// Turns a Parquet library error into a read error naming `path`.
pub(crate) fn invalid(path: &Path) -> impl Fn(ParquetError) -> Error + '_ {
    move |e| Error::Read {
        path: path.to_path_buf(),
        source: io::Error::new(
            io::ErrorKind::InvalidData,
            format!("not a Parquet file dupscan can read: {e}"),
        ),
    }
}

/// An error about the file as a whole (its schema), naming `path`.
fn schema_error(path: &Path, message: String) -> Error {
    Error::Read {
        path: path.to_path_buf(),
        source: io::Error::new(io::ErrorKind::InvalidData, message),
    }
}

/// The parts of a field: a JSON pointer (`/meta/text`, with `~1` for `/`
/// and `~0` for `~`) or a dotted path (`meta.text`).
fn field_parts(field: &str) -> Vec<String> {
    match field.strip_prefix('/') {
        Some(pointer) => pointer
            .split('/')
            .map(|p| p.replace("~1", "/").replace("~0", "~"))
            .collect(),
        None => field.split('.').map(str::to_owned).collect(),
    }
}

/// The leaf column that `field` names: one whose path is `[field]` (a
/// top-level column, even with a dot in its name), else the path that
/// [`field_parts`] gives; `Err` with a message for a group, `Ok(None)` for
/// no such column.
pub(crate) fn find_column(
    schema: &SchemaDescriptor,
    field: &str,
) -> std::result::Result<Option<usize>, String> {
    let whole = [field.to_owned()];
    let parts = field_parts(field);
    for wanted in [&whole[..], &parts[..]] {
        if let Some(i) = schema
            .columns()
            .iter()
            .position(|c| c.path().parts() == wanted)
        {
            return Ok(Some(i));
        }
    }
    let under = |c: &ColumnDescriptor| {
        let p = c.path().parts();
        p.len() > parts.len() && p[..parts.len()] == parts[..]
    };
    if let Some(c) = schema.columns().iter().find(|c| under(c)) {
        return Err(format!(
            "the column \"{field}\" is a group (it holds \"{}\"), not a column of values; \
             name a column inside it",
            c.path().string()
        ));
    }
    Ok(None)
}

/// The text and id columns of a file, checked.
pub(crate) struct Columns {
    /// The index among the leaf columns of each text field's column, in
    /// the order of [`ReadOptions::text_fields`](super::ReadOptions::text_fields).
    pub(crate) texts: Vec<usize>,
    /// The id column's, when the file has one.
    pub(crate) id: Option<usize>,
}

impl Columns {
    /// Finds the columns `opts` names in `schema`.
    ///
    /// # Errors
    ///
    /// [`Error::Read`] naming `path` when a text column is missing, is not
    /// a column of strings, is inside a list, or is named twice, or the id
    /// column is not one of strings or integers or is inside a list.
    pub(crate) fn find(
        schema: &SchemaDescriptor,
        path: &Path,
        opts: &super::ReadOptions,
    ) -> Result<Self> {
        let names = || {
            let all: Vec<String> = schema.columns().iter().map(|c| c.path().string()).collect();
            all.join(", ")
        };
        let in_list = |c: &ColumnDescriptor| {
            if c.max_rep_level() > 0 {
                " in a list"
            } else {
                ""
            }
        };
        let mut texts: Vec<usize> = Vec::new();
        for field in opts.text_fields() {
            let text = find_column(schema, field)
                .map_err(|m| schema_error(path, m))?
                .ok_or_else(|| {
                    schema_error(
                        path,
                        format!(
                            "no column \"{field}\" for the text (choose one with --text-field; \
                             the columns are: {})",
                            names()
                        ),
                    )
                })?;
            let c = schema.column(text);
            if c.physical_type() != PhysicalType::BYTE_ARRAY || c.max_rep_level() > 0 {
                return Err(schema_error(
                    path,
                    format!(
                        "the text column \"{field}\" must hold one string per row; it holds {}{}",
                        c.physical_type(),
                        in_list(&c)
                    ),
                ));
            }
            if texts.contains(&text) {
                return Err(schema_error(
                    path,
                    format!(
                        "the column \"{}\" is named twice by --text-field",
                        c.path().string()
                    ),
                ));
            }
            texts.push(text);
        }
        let id_field = &opts.id_field;
        let id = find_column(schema, id_field).map_err(|m| schema_error(path, m))?;
        if let Some(id) = id {
            let c = schema.column(id);
            let typed = matches!(
                c.physical_type(),
                PhysicalType::BYTE_ARRAY | PhysicalType::INT32 | PhysicalType::INT64
            );
            if !typed || c.max_rep_level() > 0 {
                return Err(schema_error(
                    path,
                    format!(
                        "the id column \"{id_field}\" must hold one string or integer per row; \
                         it holds {}{}",
                        c.physical_type(),
                        in_list(&c)
                    ),
                ));
            }
        }
        Ok(Self { texts, id })
    }

    /// The text field that column `index` holds, as an index into
    /// [`ReadOptions::text_fields`](super::ReadOptions::text_fields), if any.
    pub(crate) fn text_field(&self, index: usize) -> Option<usize> {
        self.texts.iter().position(|&c| c == index)
    }
}

/// What reading a row group needs of its [`Input`].
struct Context<'a> {
    path: &'a Path,
    source: u32,
    opts: &'a super::ReadOptions,
    on_bytes: &'a (dyn Fn(u64) + Sync),
}

/// One row group to read.
struct Group<'a> {
    reader: &'a dyn RowGroupReader,
    /// The number of rows before it in the file.
    first_row: u64,
    columns: &'a Columns,
    input: &'a Context<'a>,
}

impl Group<'_> {
    /// The documents of the row group, in row order.
    ///
    /// The first text column is read a batch at a time as the documents
    /// are made; with several text fields the others are read first, whole
    /// (one row group's worth), and joined to it row by row.
    fn documents(&self) -> Result<Records> {
        let path = self.input.path;
        let meta = self.reader.metadata();
        let rows = usize::try_from(meta.num_rows()).unwrap_or(0);
        let ids = match self.columns.id {
            Some(id) => self.ids(id, rows)?,
            None => vec![None; rows],
        };
        let mut out = Records::default();
        for &text in &self.columns.texts {
            out.stats.bytes += u64::try_from(meta.column(text).uncompressed_size()).unwrap_or(0);
        }
        // Progress is in bytes of the file: the row group as stored.
        (self.input.on_bytes)(u64::try_from(meta.compressed_size()).unwrap_or(0));
        let (first, more) = self
            .columns
            .texts
            .split_first()
            .ok_or_else(|| schema_error(path, "no text column".into()))?;
        let more = more
            .iter()
            .map(|&column| self.strings(column, rows))
            .collect::<Result<Vec<_>>>()?;
        let mut reader = self.byte_reader(*first)?;
        let max_def = meta.column(*first).column_descr().max_def_level();
        let mut ids = ids.into_iter();
        let mut row = self.first_row;
        let mut at = 0usize;
        read_values(&mut reader, max_def, |value| {
            row += 1;
            let id = ids.next().flatten();
            let values: Vec<Option<&[u8]>> = std::iter::once(value)
                .chain(
                    more.iter()
                        .map(|column| column.get(at).and_then(|v| v.as_deref())),
                )
                .collect();
            at += 1;
            self.document(row, id, &values, &mut out)
        })
        .map_err(invalid(path))??;
        Ok(out)
    }

    /// A reader of the string column `index`.
    fn byte_reader(&self, index: usize) -> Result<ColumnReaderImpl<ByteArrayType>> {
        let reader = self
            .reader
            .get_column_reader(index)
            .map_err(invalid(self.input.path))?;
        Ok(get_typed_column_reader::<ByteArrayType>(reader))
    }

    /// The values of the string column `index` for the row group's `rows`
    /// rows, `None` where null.
    fn strings(&self, index: usize, rows: usize) -> Result<Vec<Option<Vec<u8>>>> {
        let path = self.input.path;
        let max_def = self
            .reader
            .metadata()
            .column(index)
            .column_descr()
            .max_def_level();
        let mut reader = self.byte_reader(index)?;
        let mut values = Vec::with_capacity(rows);
        read_values(&mut reader, max_def, |v| {
            values.push(v.map(<[u8]>::to_vec));
            Ok(())
        })
        .map_err(invalid(path))??;
        if values.len() != rows {
            return Err(schema_error(
                path,
                format!("a text column has {} values for {rows} rows", values.len()),
            ));
        }
        Ok(values)
    }

    /// Adds the document of `row` (1-based in the file), whose text fields
    /// hold `values` (in the order of the text fields), or skips it.
    fn document(
        &self,
        row: u64,
        id: Option<String>,
        values: &[Option<&[u8]>],
        out: &mut Records,
    ) -> Result<()> {
        let path = self.input.path;
        let opts = self.input.opts;
        if let Some(null) = values.iter().position(Option::is_none) {
            if opts.bad_lines == BadLines::Fail {
                let field = opts.text_fields().nth(null).unwrap_or_default();
                return Err(Error::BadLine {
                    path: path.to_path_buf(),
                    line: row,
                    message: format!(
                        "row {row}: the text column \"{field}\" is null (skip such rows with \
                         --skip-bad-lines)"
                    ),
                });
            }
            out.stats.bad_lines += 1;
            return Ok(());
        }
        let limit = opts.max_document_bytes;
        let raw_len: usize =
            values.iter().flatten().map(|v| v.len()).sum::<usize>() + values.len() - 1;
        let mut text = String::new();
        let mut joins = Vec::new();
        let mut lossy = false;
        if raw_len as u64 <= limit {
            for (i, value) in values.iter().flatten().enumerate() {
                if i > 0 {
                    text.push('\n');
                    joins.push(u32::try_from(text.len()).unwrap_or(u32::MAX));
                }
                let part = String::from_utf8_lossy(value);
                lossy |= matches!(part, std::borrow::Cow::Owned(_));
                text.push_str(&part);
            }
        }
        if raw_len as u64 > limit || text.len() as u64 > MAX_DOC {
            if opts.bad_lines == BadLines::Fail {
                return Err(Error::TooLarge {
                    path: path.to_path_buf(),
                    line: row,
                    limit,
                });
            }
            out.stats.bad_lines += 1;
            out.warnings.push(Warning::TooLarge {
                path: path.to_path_buf(),
                line: row,
                limit,
            });
            return Ok(());
        }
        out.stats.invalid_utf8 += u64::from(lossy);
        out.docs.push(Document {
            id: id.unwrap_or_else(|| format!("{}:{row}", path.display())),
            source: self.input.source,
            line: row,
            text,
            joins,
        });
        Ok(())
    }

    /// The ids of the row group's `rows` rows, `None` where null.
    fn ids(&self, index: usize, rows: usize) -> Result<Vec<Option<String>>> {
        let path = self.input.path;
        let meta = self.reader.metadata().column(index);
        let max_def = meta.column_descr().max_def_level();
        let mut ids = Vec::with_capacity(rows);
        let reader = self
            .reader
            .get_column_reader(index)
            .map_err(invalid(path))?;
        let read = match reader {
            ColumnReader::ByteArrayColumnReader(mut r) => read_values(&mut r, max_def, |v| {
                ids.push(v.map(|v| String::from_utf8_lossy(v).into_owned()));
                Ok(())
            }),
            ColumnReader::Int32ColumnReader(r) => {
                let mut r: ColumnReaderImpl<Int32Type> = r;
                read_values(&mut r, max_def, |v| {
                    ids.push(v.map(|v| v.to_string()));
                    Ok(())
                })
            }
            ColumnReader::Int64ColumnReader(r) => {
                let mut r: ColumnReaderImpl<Int64Type> = r;
                read_values(&mut r, max_def, |v| {
                    ids.push(v.map(|v| v.to_string()));
                    Ok(())
                })
            }
            _ => return Err(schema_error(path, "the id column's type changed".into())),
        };
        read.map_err(invalid(path))??;
        if ids.len() != rows {
            return Err(schema_error(
                path,
                format!("the id column has {} values for {rows} rows", ids.len()),
            ));
        }
        Ok(ids)
    }
}

/// What a column of a row group gives per row: the value, or `None` for a
/// null.
pub(crate) trait RowValue: DataType {
    /// The value as `each` takes it.
    type Ref<'v>;
    /// A reference to `value`.
    fn as_ref(value: &Self::T) -> Self::Ref<'_>;
}

impl RowValue for ByteArrayType {
    type Ref<'v> = &'v [u8];
    fn as_ref(value: &Self::T) -> &[u8] {
        value.data()
    }
}

impl RowValue for Int32Type {
    type Ref<'v> = i32;
    fn as_ref(value: &i32) -> i32 {
        *value
    }
}

impl RowValue for Int64Type {
    type Ref<'v> = i64;
    fn as_ref(value: &i64) -> i64 {
        *value
    }
}

/// Calls `each` with the value of every row of a column outside any list
/// (`None` for a null), in order, a batch at a time. The outer result is
/// the library's, the inner one that of `each`.
pub(crate) fn read_values<T: RowValue>(
    reader: &mut ColumnReaderImpl<T>,
    max_def: i16,
    mut each: impl FnMut(Option<T::Ref<'_>>) -> Result<()>,
) -> std::result::Result<Result<()>, ParquetError> {
    let mut defs = Vec::with_capacity(BATCH);
    let mut values = Vec::with_capacity(BATCH);
    loop {
        defs.clear();
        values.clear();
        let (records, _, _) = reader.read_records(BATCH, Some(&mut defs), None, &mut values)?;
        if records == 0 {
            return Ok(Ok(()));
        }
        let mut next = values.iter();
        for i in 0..records {
            let present = max_def == 0 || defs.get(i) == Some(&max_def);
            let value = if present {
                next.next().map(T::as_ref)
            } else {
                None
            };
            if let Err(e) = each(value) {
                return Ok(Err(e));
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_dotted_paths_or_json_pointers() {
        assert_eq!(field_parts("text"), ["text"]);
        assert_eq!(field_parts("meta.text"), ["meta", "text"]);
        assert_eq!(field_parts("/meta/a~1b~0c"), ["meta", "a/b~c"]);
    }

    #[test]
    fn sniffing_wants_the_magic_and_a_page_header() {
        let f = ParquetFormat;
        assert_eq!(f.sniff(b"PA"), None);
        assert_eq!(f.sniff(b"PAR1\x15\x00"), Some(true));
        assert_eq!(f.sniff(b"PAR1 is a word"), Some(false));
        assert_eq!(f.sniff(b"{\"text\""), Some(false));
    }

    #[test]
    fn columns_are_found_by_name_path_or_pointer() {
        let schema = ::parquet::schema::parser::parse_message_type(
            "message m { required binary id (STRING); optional group meta { optional binary text (STRING); } \
             optional binary a.b (STRING); optional group tags (LIST) { repeated group list { optional binary element (STRING); } } }",
        )
        .unwrap();
        let schema = SchemaDescriptor::new(std::sync::Arc::new(schema));
        assert_eq!(find_column(&schema, "id"), Ok(Some(0)));
        assert_eq!(find_column(&schema, "meta.text"), Ok(Some(1)));
        assert_eq!(find_column(&schema, "/meta/text"), Ok(Some(1)));
        assert_eq!(find_column(&schema, "a.b"), Ok(Some(2)));
        assert_eq!(find_column(&schema, "missing"), Ok(None));
        assert!(find_column(&schema, "meta").unwrap_err().contains("group"));
        let opts = crate::corpus::ReadOptions {
            text_field: "tags.list.element".into(),
            ..Default::default()
        };
        let err = Columns::find(&schema, Path::new("x.parquet"), &opts)
            .err()
            .unwrap();
        assert!(err.to_string().contains("in a list"), "{err}");
    }
}
