//! The two tables as Arrow record batches, written as Parquet (Snappy-compressed).

use arrow_array::{
    ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray, TimestampMillisecondArray,
};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use isched_engine::usage::Subject;
use isched_store::usage_rollups::UsageRow;
use jiff::Timestamp;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use std::sync::Arc;

fn text(values: impl Iterator<Item = impl AsRef<str>>) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(values))
}

fn ints(values: impl Iterator<Item = i64>) -> ArrayRef {
    Arc::new(Int64Array::from_iter_values(values))
}

fn floats(values: impl Iterator<Item = f64>) -> ArrayRef {
    Arc::new(Float64Array::from_iter_values(values))
}

fn instants(values: impl Iterator<Item = i64>) -> ArrayRef {
    Arc::new(TimestampMillisecondArray::from_iter_values(values).with_timezone("UTC"))
}

fn parquet(schema: Schema, columns: Vec<ArrayRef>) -> Result<Vec<u8>, ParquetError> {
    let schema = Arc::new(schema);
    let batch = RecordBatch::try_new(schema.clone(), columns)?;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let mut writer = ArrowWriter::try_new(Vec::new(), schema, Some(props))?;
    writer.write(&batch)?;
    writer.into_inner()
}

fn field(name: &str, t: DataType) -> Field {
    Field::new(name, t, false)
}

/// The daily rows of one day.
pub fn daily(rows: &[UsageRow], zone: &str, currency: &str) -> Result<Vec<u8>, ParquetError> {
    use DataType::{Float64, Int64, Utf8};
    let schema = Schema::new(vec![
        field("zone", Utf8),
        field("resource", Utf8),
        field("owner", Utf8),
        field("template", Utf8),
        field("schedule", Utf8),
        field("running_seconds", Int64),
        field("existing_seconds", Int64),
        field("planned_seconds", Int64),
        field("unplanned_seconds", Int64),
        field("cost", Float64),
        field("saved_cost", Float64),
        field("unplanned_cost", Float64),
        field("currency", Utf8),
    ]);
    let s = |f: fn(&UsageRow) -> i64| ints(rows.iter().map(f));
    let m = |f: fn(&UsageRow) -> f64| floats(rows.iter().map(f));
    parquet(
        schema,
        vec![
            text(rows.iter().map(|_| zone)),
            text(rows.iter().map(|r| &r.resource)),
            text(rows.iter().map(|r| &r.owner)),
            text(rows.iter().map(|r| &r.template)),
            text(rows.iter().map(|r| &r.schedule)),
            s(|r| r.sums.running_seconds),
            s(|r| r.sums.existing_seconds),
            s(|r| r.sums.planned_seconds),
            s(|r| r.sums.unplanned_seconds),
            m(|r| r.sums.cost),
            m(|r| r.sums.saved_cost),
            m(|r| r.sums.unplanned_cost),
            text(rows.iter().map(|_| currency)),
        ],
    )
}

/// A running interval's part in one day.
#[derive(Debug, Clone, PartialEq)]
pub struct IntervalPart<'a> {
    pub subject: &'a Subject,
    pub started_at: Timestamp,
    pub ended_at: Timestamp,
    pub hourly_price: f64,
}

/// Each run of each subject cut to `[start, end)`.
pub fn intervals_of(
    subjects: &[Subject],
    start: Timestamp,
    end: Timestamp,
) -> Vec<IntervalPart<'_>> {
    subjects
        .iter()
        .flat_map(|s| {
            s.runs.iter().filter_map(move |r| {
                let from = r.start.max(start);
                let to = r.end.unwrap_or(end).min(end);
                (to > from).then_some(IntervalPart {
                    subject: s,
                    started_at: from,
                    ended_at: to,
                    hourly_price: r.hourly_price,
                })
            })
        })
        .collect()
}

pub fn intervals(parts: &[IntervalPart<'_>], currency: &str) -> Result<Vec<u8>, ParquetError> {
    use DataType::{Float64, Int64, Timestamp as Ts, Utf8};
    let utc = Ts(TimeUnit::Millisecond, Some("UTC".into()));
    let schema = Schema::new(vec![
        field("resource", Utf8),
        field("owner", Utf8),
        field("template", Utf8),
        field("schedule", Utf8),
        field("started_at", utc.clone()),
        field("ended_at", utc),
        field("seconds", Int64),
        field("hourly_price", Float64),
        field("cost", Float64),
        field("currency", Utf8),
    ]);
    let ms = |t: Timestamp| t.as_millisecond();
    let secs = |p: &IntervalPart| (ms(p.ended_at) - ms(p.started_at)) as f64 / 1000.0;
    parquet(
        schema,
        vec![
            text(parts.iter().map(|p| &p.subject.resource)),
            text(parts.iter().map(|p| &p.subject.owner)),
            text(parts.iter().map(|p| &p.subject.template)),
            text(parts.iter().map(|p| &p.subject.schedule)),
            instants(parts.iter().map(|p| ms(p.started_at))),
            instants(parts.iter().map(|p| ms(p.ended_at))),
            ints(parts.iter().map(|p| secs(p) as i64)),
            floats(parts.iter().map(|p| p.hourly_price)),
            floats(parts.iter().map(|p| secs(p) * p.hourly_price / 3600.0)),
            text(parts.iter().map(|_| currency)),
        ],
    )
}
