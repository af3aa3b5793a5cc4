//! Export of the ledger as the department's spreadsheet: CSV (UTF-8 with a byte-order mark,
//! so that Excel reads the Chinese) or XLSX, with the headers of [`crate::columns`].

use rust_xlsxwriter::{Format, Workbook};
use serde::{Deserialize, Serialize};
use strum::VariantArray;

use crate::calendar::Calendar;
use crate::columns::{Cell, Column, Language};
use crate::error::{Code, Error};
use crate::ledger::LedgerRow;

/// A file format of the export.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    /// Comma-separated values.
    #[default]
    Csv,
    /// An Excel workbook.
    Xlsx,
}

/// What an export is asked for, beside the ledger filter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExportOptions {
    /// The file format.
    pub format: FileFormat,
    /// The language of the headers and labels.
    pub lang: Language,
}

impl FileFormat {
    /// The file's media type.
    pub fn content_type(self) -> &'static str {
        match self {
            FileFormat::Csv => "text/csv; charset=utf-8",
            FileFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    /// The file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            FileFormat::Csv => "csv",
            FileFormat::Xlsx => "xlsx",
        }
    }
}

/// The byte-order mark that tells spreadsheet programs a CSV file is UTF-8.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Writes `rows` as a file in `options`' format and language, times in `calendar`'s zone.
pub fn write(
    rows: &[LedgerRow],
    options: ExportOptions,
    calendar: &Calendar,
) -> Result<Vec<u8>, Error> {
    match options.format {
        FileFormat::Csv => csv(rows, options.lang, calendar),
        FileFormat::Xlsx => xlsx(rows, options.lang, calendar),
    }
}

fn failed(e: impl std::fmt::Display) -> Error {
    Error::new(
        Code::ExportFailed,
        format!("the export could not be written: {e}"),
    )
}

fn csv(rows: &[LedgerRow], lang: Language, calendar: &Calendar) -> Result<Vec<u8>, Error> {
    let mut out = csv::Writer::from_writer(BOM.to_vec());
    out.write_record(Column::VARIANTS.iter().map(|c| c.header_in(lang, calendar)))
        .map_err(failed)?;
    for row in rows {
        out.write_record(
            Column::VARIANTS
                .iter()
                .map(|c| c.cell(row, lang, calendar).text()),
        )
        .map_err(failed)?;
    }
    out.into_inner().map_err(failed)
}

fn xlsx(rows: &[LedgerRow], lang: Language, calendar: &Calendar) -> Result<Vec<u8>, Error> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let name = match lang {
        Language::Chinese => "客户投诉信息处理台账",
        Language::English => "complaint ledger",
    };
    sheet.set_name(name).map_err(failed)?;
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    for (col, column) in (0u16..).zip(Column::VARIANTS.iter().copied()) {
        sheet
            .write_string_with_format(0, col, column.header_in(lang, calendar), &bold)
            .map_err(failed)?;
    }
    for (r, row) in (1u32..).zip(rows) {
        for (col, column) in (0u16..).zip(Column::VARIANTS.iter().copied()) {
            match column.cell(row, lang, calendar) {
                Cell::Text(text) if text.is_empty() => {}
                Cell::Text(text) => {
                    sheet.write_string(r, col, text).map_err(failed)?;
                }
                Cell::Number(n) if column == Column::CostTotal => {
                    sheet
                        .write_number_with_format(r, col, n, &money)
                        .map_err(failed)?;
                }
                Cell::Number(n) => {
                    sheet.write_number(r, col, n).map_err(failed)?;
                }
            }
        }
    }
    for (col, column) in (0u16..).zip(Column::VARIANTS.iter().copied()) {
        let widest = rows
            .iter()
            .take(WIDTH_SAMPLE)
            .map(|row| match column.cell(row, lang, calendar) {
                Cell::Text(text) => display_width(&text),
                Cell::Number(_) => 12,
            })
            .chain([display_width(&column.header_in(lang, calendar))])
            .max()
            .unwrap_or(8);
        let width = widest.clamp(8, 60) + 2;
        sheet
            .set_column_width(col, u16::try_from(width).unwrap_or(62))
            .map_err(failed)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(failed)?;
    let last_row = u32::try_from(rows.len()).unwrap_or(u32::MAX);
    let last_col = u16::try_from(Column::VARIANTS.len() - 1).unwrap_or(0);
    sheet.autofilter(0, 0, last_row, last_col).map_err(failed)?;
    book.save_to_buffer().map_err(failed)
}

/// Rows read to size the columns of a spreadsheet: enough to see what the column holds.
const WIDTH_SAMPLE: usize = 200;

/// How many narrow characters `text` takes on a sheet: a Chinese character takes two.
fn display_width(text: &str) -> usize {
    text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}
