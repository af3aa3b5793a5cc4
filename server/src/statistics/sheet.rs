//! Each statistic of a period as an Excel workbook: a title and the period on top, headers in
//! Chinese (the department's words) or English as the ledger's export writes them, values named
//! in that language, and columns as wide as what they hold.

use rust_xlsxwriter::{Format, FormatBorder, Workbook, Worksheet};

use super::{ComplaintAxis, ComplaintCounts, CostTotal, Figures, Group, Period};
use crate::columns::{Column, Labels, Language, label_in};
use crate::error::{Code, Error};

/// The row of the headers; the title and the period are above it.
pub const HEADER_ROW: u32 = 3;

/// The roles' names in Chinese, as the regulation writes the departments.
const ROLES: &Labels = &[
    ("technician", "客服部门技术员"),
    ("service_desk", "技术服务部门客服专员"),
    ("supervisor", "技术服务部门主管"),
    ("commerce", "商务部"),
    ("quality_assurance", "品质保证部"),
    ("inspection", "检验部门"),
    ("technical", "技术部门"),
    ("rn_d", "研发部"),
    ("manufacturing", "制造部门"),
    ("procurement", "采购部"),
    ("finance", "财务部"),
    ("sales", "营销中心"),
    ("manager", "总经理"),
    ("admin", "系统管理员"),
];
const COST_KINDS: &Labels = &[
    ("travel", "差旅"),
    ("parts", "备件"),
    ("labour", "人工"),
    ("freight", "运费"),
    ("other", "其他"),
];
const BEARERS: &Labels = &[
    ("company", "公司"),
    ("sales_representative", "销售代表承担"),
    ("supplier", "供应商"),
    ("customer", "客户"),
];
const RESOLUTION_TIMES: &Labels = &[
    ("within_1_day", "1 天内"),
    ("within_3_days", "1–3 天"),
    ("within_7_days", "3–7 天"),
    ("within_30_days", "7–30 天"),
    ("over_30_days", "30 天以上"),
];
/// The English names of the times to resolve.
const RESOLUTION_TIMES_EN: &Labels = &[
    ("within_1_day", "within 1 day"),
    ("within_3_days", "1 to 3 days"),
    ("within_7_days", "3 to 7 days"),
    ("within_30_days", "7 to 30 days"),
    ("over_30_days", "over 30 days"),
];

/// Words in Chinese and in English.
type Words = (&'static str, &'static str);

/// `words` in `lang`.
fn say(words: Words, lang: Language) -> &'static str {
    match lang {
        Language::Chinese => words.0,
        Language::English => words.1,
    }
}

/// A cell of a table.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    /// Text.
    Text(String),
    /// A count.
    Count(u64),
    /// A share, shown as a percentage.
    Share(f64),
    /// An amount in minor units, shown in major units.
    Money(i64),
    /// A mean to one decimal; empty when there is none.
    Mean(Option<f64>),
}

/// One worksheet: a title, its headers and its rows.
struct Table {
    /// The worksheet's name.
    sheet: &'static str,
    /// What it shows.
    title: String,
    /// The headers.
    headers: Vec<&'static str>,
    /// The rows, each as long as the headers.
    rows: Vec<Vec<Value>>,
}

fn failed(e: impl std::fmt::Display) -> Error {
    Error::new(
        Code::ExportFailed,
        format!("the statistics could not be written: {e}"),
    )
}

/// The workbook of the statistic `figures` of `period`, in `lang`.
pub fn write(figures: &Figures, period: &Period, lang: Language) -> Result<Vec<u8>, Error> {
    let tables = match figures {
        Figures::Complaints(counts) => vec![complaints(counts, lang)],
        Figures::Handoff(h) => vec![figures_table(
            ("移交及时率", "hand-off compliance"),
            lang,
            vec![
                (("登记工单", "registered tickets"), Value::Count(h.tickets)),
                (("已移交", "handed off"), Value::Count(h.handed_off)),
                (
                    ("按设备时间及时移交", "on time by the devices' clocks"),
                    Value::Count(h.on_time_by_device),
                ),
                (
                    (
                        "按服务器接收时间及时移交",
                        "on time by the server's receipt",
                    ),
                    Value::Count(h.on_time_by_receipt),
                ),
                (
                    ("及时率（设备时间）", "share on time (devices)"),
                    Value::Share(h.share_by_device),
                ),
                (
                    ("及时率（服务器接收时间）", "share on time (receipt)"),
                    Value::Share(h.share_by_receipt),
                ),
            ],
        )],
        Figures::CorrectiveActions(a) => vec![figures_table(
            ("纠正预防措施", "corrective actions"),
            lang,
            vec![
                (("未关闭措施", "open actions"), Value::Count(a.actions)),
                (("涉及工单", "tickets with one"), Value::Count(a.tickets)),
                (
                    ("有逾期措施的工单", "tickets past due"),
                    Value::Count(a.tickets_past_due),
                ),
            ],
        )],
        Figures::ReturnVisits(v) => {
            let mut rows = vec![
                (("计划回访", "planned"), Value::Count(v.planned)),
                (("已完成", "done"), Value::Count(v.done)),
                (("完成率", "completion"), Value::Share(v.completion)),
                (("问题已解决", "resolved"), Value::Count(v.resolved)),
                (
                    ("平均满意度（1–5）", "mean satisfaction (1–5)"),
                    Value::Mean(v.mean_satisfaction),
                ),
            ];
            const STARS: [Words; 5] = [
                ("满意度 1", "satisfaction 1"),
                ("满意度 2", "satisfaction 2"),
                ("满意度 3", "satisfaction 3"),
                ("满意度 4", "satisfaction 4"),
                ("满意度 5", "satisfaction 5"),
            ];
            rows.extend(
                STARS
                    .into_iter()
                    .zip(v.by_satisfaction)
                    .map(|(words, n)| (words, Value::Count(n))),
            );
            vec![figures_table(("回访", "return visits"), lang, rows)]
        }
        Figures::Costs(c) => vec![
            costs(
                ("按费用类别", "by kind"),
                ("费用类别", "kind"),
                COST_KINDS,
                &c.by_kind,
                lang,
            ),
            costs(
                ("按承担方", "by bearer"),
                ("承担方", "bearer"),
                BEARERS,
                &c.by_bearer,
                lang,
            ),
        ],
    };
    book(&tables, period, lang)
}

/// The words of the period.
fn period_words(period: &Period, lang: Language) -> String {
    let day = |d: Option<fieldledger_core::Date>| d.map_or("…".to_owned(), |d| d.to_string());
    match (lang, period.is_whole()) {
        (Language::Chinese, true) => "统计期间：全部".to_owned(),
        (Language::English, true) => "period: all".to_owned(),
        (Language::Chinese, false) => {
            format!("统计期间：{} 至 {}", day(period.from), day(period.to))
        }
        (Language::English, false) => {
            format!("period: {} to {}", day(period.from), day(period.to))
        }
    }
}

/// A table of named figures, one per row.
fn figures_table(title: Words, lang: Language, rows: Vec<(Words, Value)>) -> Table {
    Table {
        sheet: say(title, lang),
        title: say(title, lang).to_owned(),
        headers: vec![say(("项目", "item"), lang), say(("数值", "value"), lang)],
        rows: rows
            .into_iter()
            .map(|(words, value)| vec![Value::Text(say(words, lang).to_owned()), value])
            .collect(),
    }
}

/// The header of the groups of `axis`.
fn axis_header(axis: ComplaintAxis) -> Words {
    match axis {
        ComplaintAxis::Product => ("产品名称", "product name"),
        ComplaintAxis::Model => ("规格型号", "model"),
        ComplaintAxis::Cause => ("原因", "cause"),
        ComplaintAxis::Responsibility => ("责任归属", "responsibility"),
        ComplaintAxis::Month => ("登记月份", "month of registration"),
        ComplaintAxis::Customer => ("客户名称", "customer name"),
        ComplaintAxis::Disposition => ("处理方式", "disposition"),
        ComplaintAxis::Technician => ("服务人员", "technician"),
        ComplaintAxis::Department => ("移交部门", "department handed off to"),
        ComplaintAxis::Resolution => ("处理用时", "time to resolve"),
        ComplaintAxis::ProductCode => ("产品代码", "product code"),
        ComplaintAxis::UnitCustomer => ("客户（按设备）", "customer of the unit"),
        ComplaintAxis::CauseCode => ("原因代码", "cause code"),
    }
}

/// The name of `group` of `axis` in `lang`.
pub fn group_label(axis: ComplaintAxis, group: &Group, lang: Language) -> String {
    let Some(key) = group.key.as_deref() else {
        let words = match axis {
            ComplaintAxis::Technician => ("未派工", "no technician"),
            ComplaintAxis::Department => ("未移交", "not handed off"),
            ComplaintAxis::Resolution => ("尚未处理完毕", "not resolved yet"),
            _ => ("未记录", "not recorded"),
        };
        return say(words, lang).to_owned();
    };
    let words = |name: String| match lang {
        Language::Chinese => name,
        Language::English => name.replace('_', " "),
    };
    match axis {
        ComplaintAxis::Responsibility => words(Column::Responsibility.value_label(key, lang)),
        ComplaintAxis::Disposition => words(Column::Disposition.value_label(key, lang)),
        ComplaintAxis::Department => words(label_in(ROLES, key, lang)),
        ComplaintAxis::Resolution => match lang {
            Language::Chinese => label_in(RESOLUTION_TIMES, key, lang),
            Language::English => label_in(RESOLUTION_TIMES_EN, key, Language::Chinese),
        },
        ComplaintAxis::Technician => group.name.clone().unwrap_or_else(|| key.to_owned()),
        _ => key.to_owned(),
    }
}

/// The table of complaint counts: the groups, the others summed, and the total.
fn complaints(counts: &ComplaintCounts, lang: Language) -> Table {
    let share = |n: u64| super::share(n, counts.total);
    let mut rows: Vec<Vec<Value>> = counts
        .groups
        .iter()
        .map(|g| {
            vec![
                Value::Text(group_label(counts.by, g, lang)),
                Value::Count(g.complaints),
                Value::Share(share(g.complaints)),
            ]
        })
        .collect();
    if let Some(others) = &counts.others {
        let label = match lang {
            Language::Chinese => format!("其他（{} 项）", others.groups),
            Language::English => format!("others ({} groups)", others.groups),
        };
        rows.push(vec![
            Value::Text(label),
            Value::Count(others.complaints),
            Value::Share(share(others.complaints)),
        ]);
    }
    rows.push(vec![
        Value::Text(say(("合计", "total"), lang).to_owned()),
        Value::Count(counts.total),
        Value::Share(if counts.total == 0 { 0.0 } else { 1.0 }),
    ]);
    let axis = say(axis_header(counts.by), lang);
    let title = match lang {
        Language::Chinese => format!("客户投诉统计（按{axis}）"),
        Language::English => format!("complaints by {axis}"),
    };
    Table {
        sheet: say(("投诉统计", "complaints"), lang),
        title,
        headers: vec![
            axis,
            say(("投诉数", "complaints"), lang),
            say(("占比", "share"), lang),
        ],
        rows,
    }
}

/// The table of cost totals by kind or by bearer.
fn costs(sheet: Words, key: Words, labels: &Labels, totals: &[CostTotal], lang: Language) -> Table {
    let name = |k: &str| match lang {
        Language::Chinese => label_in(labels, k, lang),
        Language::English => k.replace('_', " "),
    };
    Table {
        sheet: say(sheet, lang),
        title: match lang {
            Language::Chinese => format!("服务费用（{}）", sheet.0),
            Language::English => format!("service costs {}", sheet.1),
        },
        headers: vec![
            say(key, lang),
            say(("币种", "currency"), lang),
            say(("笔数", "costs"), lang),
            say(("金额", "amount"), lang),
            say(("已审核金额", "approved"), lang),
            say(("已结算金额", "settled"), lang),
        ],
        rows: totals
            .iter()
            .map(|t| {
                vec![
                    Value::Text(name(&t.key)),
                    Value::Text(t.currency.clone()),
                    Value::Count(t.costs),
                    Value::Money(t.amount_minor),
                    Value::Money(t.approved_minor),
                    Value::Money(t.settled_minor),
                ]
            })
            .collect(),
    }
}

/// How wide `text` shows, in the widths of a digit: a CJK character takes two.
fn text_width(text: &str) -> usize {
    text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

/// The text a value shows, for the column's width.
fn shown(value: &Value) -> String {
    match value {
        Value::Text(text) => text.clone(),
        Value::Count(n) => format!("{n:>8}"),
        Value::Share(_) => "100.0 %".to_owned(),
        Value::Money(minor) => format!("{:>14.2}", *minor as f64 / 100.0),
        Value::Mean(_) => "0.0".to_owned(),
    }
}

/// Writes `table` into `sheet`.
fn fill(
    sheet: &mut Worksheet,
    table: &Table,
    period: &Period,
    lang: Language,
) -> Result<(), Error> {
    let title = Format::new().set_bold().set_font_size(14);
    let bold = Format::new()
        .set_bold()
        .set_border_bottom(FormatBorder::Thin);
    let share = Format::new().set_num_format("0.0%");
    let money = Format::new().set_num_format("#,##0.00");
    let mean = Format::new().set_num_format("0.0");
    sheet.set_name(table.sheet).map_err(failed)?;
    sheet
        .write_string_with_format(0, 0, &table.title, &title)
        .map_err(failed)?;
    sheet
        .write_string(1, 0, period_words(period, lang))
        .map_err(failed)?;
    for (col, header) in (0u16..).zip(&table.headers) {
        sheet
            .write_string_with_format(HEADER_ROW, col, *header, &bold)
            .map_err(failed)?;
    }
    for (r, row) in (HEADER_ROW + 1..).zip(&table.rows) {
        for (col, value) in (0u16..).zip(row) {
            match value {
                Value::Text(text) => sheet.write_string(r, col, text),
                Value::Count(n) => sheet.write_number(r, col, *n as f64),
                Value::Share(s) => sheet.write_number_with_format(r, col, *s, &share),
                Value::Money(minor) => {
                    sheet.write_number_with_format(r, col, *minor as f64 / 100.0, &money)
                }
                Value::Mean(Some(m)) => sheet.write_number_with_format(r, col, *m, &mean),
                Value::Mean(None) => sheet.write_string(r, col, "—"),
            }
            .map_err(failed)?;
        }
    }
    for (col, header) in (0u16..).zip(&table.headers) {
        let widest = table
            .rows
            .iter()
            .filter_map(|row| row.get(usize::from(col)))
            .map(|v| text_width(&shown(v)))
            .chain([text_width(header)])
            .max()
            .unwrap_or(8);
        let width = (widest + 2).clamp(10, 60);
        sheet.set_column_width(col, width as f64).map_err(failed)?;
    }
    sheet.set_freeze_panes(HEADER_ROW + 1, 0).map_err(failed)?;
    Ok(())
}

/// The workbook of `tables`, one worksheet each.
fn book(tables: &[Table], period: &Period, lang: Language) -> Result<Vec<u8>, Error> {
    let mut book = Workbook::new();
    for table in tables {
        fill(book.add_worksheet(), table, period, lang)?;
    }
    book.save_to_buffer().map_err(failed)
}

#[cfg(test)]
mod tests {
    use strum::VariantArray;

    use super::*;
    use crate::statistics::ResolutionTime;

    #[test]
    fn every_role_and_time_to_resolve_has_its_chinese_name() {
        for role in fieldledger_core::Role::VARIANTS {
            assert!(
                ROLES.iter().any(|(machine, _)| *machine == role.as_str()),
                "{role:?}"
            );
        }
        for time in ResolutionTime::VARIANTS {
            let group = Group::new(Some(time.as_str().to_owned()), 1);
            let zh = group_label(ComplaintAxis::Resolution, &group, Language::Chinese);
            let en = group_label(ComplaintAxis::Resolution, &group, Language::English);
            assert!(
                !zh.is_ascii() && en.is_ascii() && !en.contains('_'),
                "{zh} / {en}"
            );
        }
    }

    #[test]
    fn values_are_named_in_the_language_and_missing_ones_by_the_axis() {
        let group = |key: &str| Group::new(Some(key.to_owned()), 1);
        let zh = Language::Chinese;
        let en = Language::English;
        let disposition = group("repair_on_site");
        assert_eq!(
            group_label(ComplaintAxis::Disposition, &disposition, zh),
            "现场维修"
        );
        assert_eq!(
            group_label(ComplaintAxis::Disposition, &disposition, en),
            "repair on site"
        );
        let role = group("quality_assurance");
        assert_eq!(
            group_label(ComplaintAxis::Department, &role, zh),
            "品质保证部"
        );
        let mut tech = group("tech.zhang");
        assert_eq!(
            group_label(ComplaintAxis::Technician, &tech, zh),
            "tech.zhang"
        );
        tech.name = Some("张伟".into());
        assert_eq!(group_label(ComplaintAxis::Technician, &tech, zh), "张伟");
        let none = Group::new(None, 1);
        assert_eq!(group_label(ComplaintAxis::Technician, &none, zh), "未派工");
        assert_eq!(
            group_label(ComplaintAxis::Product, &none, en),
            "not recorded"
        );
    }

    #[test]
    fn widths_count_chinese_characters_twice() {
        assert_eq!(text_width("KYN28A"), 6);
        assert_eq!(text_width("客户名称"), 8);
    }
}
