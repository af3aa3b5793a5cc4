//! The ledger as a spreadsheet (客户投诉信息处理台账): its columns, their headers in Chinese
//! (the words of the regulation) and English, and how each value is written and read back.
//! Export writes every column; import reads the columns a spreadsheet ledger can hold, and
//! leaves those fieldledger derives from a ticket's history (status, costs, return visits).

use serde::{Deserialize, Serialize};
use strum::VariantArray;

use crate::calendar::Calendar;
use crate::ledger::LedgerRow;

/// The language of a spreadsheet's headers and labels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Language {
    /// Simplified Chinese, as the department writes its ledger.
    #[default]
    #[serde(rename = "zh", alias = "zh-CN")]
    Chinese,
    /// English, with the machine names of values (importable anywhere).
    #[serde(rename = "en")]
    English,
}

/// A column of the ledger spreadsheet; `Column::VARIANTS` lists every column in the order a
/// spreadsheet shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, VariantArray)]
pub enum Column {
    /// 台账编号.
    LedgerNumber,
    /// 登记时间 (device time).
    RegisteredAt,
    /// 类型.
    Kind,
    /// 是否投诉.
    Complaint,
    /// 重大投诉.
    Major,
    /// 信息来源.
    Source,
    /// 销售代表.
    SalesRepresentative,
    /// 客户名称.
    CustomerName,
    /// 客户联系人.
    ContactPerson,
    /// 联系方式.
    ContactMethod,
    /// 产品名称.
    ProductName,
    /// 规格型号.
    Model,
    /// 工号.
    JobNumber,
    /// 合同号.
    ContractNumber,
    /// 投诉内容.
    Content,
    /// 客户要求.
    Requests,
    /// 处理方式.
    Disposition,
    /// 原因.
    Cause,
    /// 责任归属.
    Responsibility,
    /// 状态 (derived).
    Status,
    /// 服务人员 (derived).
    Assignees,
    /// 移交时间 (derived).
    HandedOffAt,
    /// 未关闭纠正预防措施 (derived).
    OpenActions,
    /// 措施到期日 (derived).
    NextActionDue,
    /// 服务费用合计 (derived).
    CostTotal,
    /// 下次回访 (derived).
    NextReturnVisit,
    /// 发货日期 (derived).
    ShippedOn,
    /// 图纸发送时间 (derived).
    DrawingsSentAt,
    /// 服务器接收时间 (derived).
    ReceivedAt,
    /// 工单标识 (derived).
    TicketId,
}

/// A value as a spreadsheet cell.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A number (counts and money), which a spreadsheet can sum.
    Number(f64),
}

/// What a spreadsheet reads as the start of a formula when a cell begins with it.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether a CSV cell starting with `text` needs an apostrophe before it: text that a
/// spreadsheet would run as a formula, and text that already starts with an apostrophe (so that
/// [`as_typed`] can tell the two apart).
fn needs_apostrophe(text: &str) -> bool {
    text.starts_with(FORMULA_STARTS) || text.starts_with('\'')
}

/// A CSV cell's text as it was typed, undoing the apostrophe that [`Cell::text`] puts before text
/// a spreadsheet would otherwise run as a formula.
pub fn as_typed(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_apostrophe(rest) => rest,
        _ => cell,
    }
}

impl Cell {
    /// The cell as text, for CSV. Text that a spreadsheet would take for a formula (`=`, `+`, `-`,
    /// `@`) gets an apostrophe before it, so that opening the file never runs what someone typed
    /// into a ticket; [`as_typed`] takes it off again on import.
    pub fn text(&self) -> String {
        match self {
            Cell::Text(t) if needs_apostrophe(t) => format!("'{t}"),
            Cell::Text(t) => t.clone(),
            Cell::Number(n) if n.fract() == 0.0 => format!("{n:.0}"),
            Cell::Number(n) => format!("{n:.2}"),
        }
    }
}

/// Machine names and their Chinese labels.
pub(crate) type Labels = [(&'static str, &'static str)];

/// The name of the value `name` in `language`: in Chinese its label in `labels`, otherwise (in
/// English, or without a label) the machine name.
pub(crate) fn label_in(labels: &Labels, name: &str, language: Language) -> String {
    match language {
        Language::Chinese => labels
            .iter()
            .find(|(machine, _)| *machine == name)
            .map_or(name, |(_, zh)| zh)
            .to_owned(),
        Language::English => name.to_owned(),
    }
}

const KINDS: &Labels = &[
    ("complaint", "投诉"),
    ("installation", "安装"),
    ("commissioning", "调试"),
    ("power_on", "送电"),
    ("repair_request", "维修申请"),
    ("inquiry", "咨询"),
];
const SOURCES: &Labels = &[("customer", "客户"), ("sales_representative", "销售代表")];
const DISPOSITIONS: &Labels = &[
    ("repair_on_site", "现场维修"),
    ("replace", "更换"),
    ("return_to_factory", "返厂"),
    ("no_fault_found", "未发现故障"),
];
const RESPONSIBILITIES: &Labels = &[
    ("design", "设计"),
    ("manufacturing", "制造"),
    ("supplier", "供应商"),
    ("transport_packaging", "运输包装"),
    ("installation", "安装"),
    ("customer_use", "客户使用"),
    ("sales", "销售"),
];
const STATUSES: &Labels = &[
    ("received", "已接收"),
    ("registered", "已登记"),
    ("handed_off", "已移交"),
    ("dispatched", "已派工"),
    ("on_site", "现场服务中"),
    ("awaiting_return", "待返厂"),
    ("awaiting_inspection", "待检验"),
    ("awaiting_materials", "待采购到料"),
    ("awaiting_supplier_repair", "待供应商返修"),
    ("awaiting_manufacture", "待制造"),
    ("awaiting_outgoing_test", "待出厂检验"),
    ("awaiting_shipment", "待发货"),
    ("awaiting_installation", "待安装"),
    ("resolved", "已处理"),
    ("closed", "已关闭"),
    ("reopened", "已重开"),
];

impl Column {
    /// The Chinese and the English header.
    fn headers(self) -> (&'static str, &'static str) {
        match self {
            Column::LedgerNumber => ("台账编号", "ledger number"),
            Column::RegisteredAt => ("登记时间", "registered at"),
            Column::Kind => ("类型", "kind"),
            Column::Complaint => ("是否投诉", "complaint"),
            Column::Major => ("重大投诉", "major"),
            Column::Source => ("信息来源", "source"),
            Column::SalesRepresentative => ("销售代表", "sales representative"),
            Column::CustomerName => ("客户名称", "customer name"),
            Column::ContactPerson => ("客户联系人", "contact person"),
            Column::ContactMethod => ("联系方式", "contact method"),
            Column::ProductName => ("产品名称", "product name"),
            Column::Model => ("规格型号", "model"),
            Column::JobNumber => ("工号", "job number"),
            Column::ContractNumber => ("合同号", "contract number"),
            Column::Content => ("投诉内容", "content"),
            Column::Requests => ("客户要求", "requests"),
            Column::Disposition => ("处理方式", "disposition"),
            Column::Cause => ("原因", "cause"),
            Column::Responsibility => ("责任归属", "responsibility"),
            Column::Status => ("状态", "status"),
            Column::Assignees => ("服务人员", "assignees"),
            Column::HandedOffAt => ("移交时间", "handed off at"),
            Column::OpenActions => ("未关闭纠正预防措施", "open corrective actions"),
            Column::NextActionDue => ("措施到期日", "next action due"),
            Column::CostTotal => ("服务费用合计", "cost total"),
            Column::NextReturnVisit => ("下次回访", "next return visit"),
            Column::ShippedOn => ("发货日期", "shipped on"),
            Column::DrawingsSentAt => ("图纸发送时间", "drawings sent at"),
            Column::ReceivedAt => ("服务器接收时间", "received at"),
            Column::TicketId => ("工单标识", "ticket id"),
        }
    }

    /// The header in `language`.
    pub fn header(self, language: Language) -> &'static str {
        match language {
            Language::Chinese => self.headers().0,
            Language::English => self.headers().1,
        }
    }

    /// Whether the column holds moments, written in the department's zone.
    fn is_time(self) -> bool {
        matches!(
            self,
            Column::RegisteredAt
                | Column::HandedOffAt
                | Column::DrawingsSentAt
                | Column::ReceivedAt
        )
    }

    /// The header in `language` as an export writes it: a column of moments names the zone they
    /// are written in (`登记时间 (UTC+8)`), so that nobody reads them in another.
    pub fn header_in(self, language: Language, calendar: &Calendar) -> String {
        let header = self.header(language);
        if self.is_time() {
            format!("{header} ({})", calendar.zone_name())
        } else {
            header.to_owned()
        }
    }

    /// The column a header names, in either language (English in any case, with `_` or
    /// spaces, and with or without the zone an export names); `None` for a header that is not
    /// the ledger's.
    pub fn from_header(header: &str) -> Option<Column> {
        let header = header.trim().trim_start_matches('\u{feff}');
        let header = match header.rsplit_once(" (UTC") {
            Some((named, zone)) if zone.ends_with(')') => named,
            _ => header,
        };
        let english = header.to_lowercase().replace('_', " ");
        Column::VARIANTS.iter().copied().find(|c| {
            let (zh, en) = c.headers();
            zh == header || en == english
        })
    }

    /// Whether import reads this column: it is something a spreadsheet ledger records, not
    /// something fieldledger derives from a ticket's history.
    pub fn importable(self) -> bool {
        self < Column::Status
    }

    /// The labels of the values of this column, if its values are names from a fixed list.
    fn labels(self) -> Option<&'static Labels> {
        match self {
            Column::Kind => Some(KINDS),
            Column::Source => Some(SOURCES),
            Column::Disposition => Some(DISPOSITIONS),
            Column::Responsibility => Some(RESPONSIBILITIES),
            Column::Status => Some(STATUSES),
            _ => None,
        }
    }

    /// The machine name a cell of this column means: the machine name itself, its Chinese
    /// label, or the English words (`repair on site`). `None` when it is none of the column's
    /// values; the error names them.
    pub fn value_name(self, cell: &str) -> Result<&'static str, String> {
        let labels = self.labels().unwrap_or(&[]);
        let wanted = cell.trim().to_lowercase().replace(' ', "_");
        labels
            .iter()
            .find(|(machine, zh)| *machine == wanted || *zh == cell.trim())
            .map(|(machine, _)| *machine)
            .ok_or_else(|| {
                let known: Vec<String> = labels
                    .iter()
                    .map(|(machine, zh)| format!("{zh} ({machine})"))
                    .collect();
                format!("{:?} is not one of: {}", cell.trim(), known.join(", "))
            })
    }

    /// The name of the value `name` of this column in `language` ([`label_in`]).
    pub fn value_label(self, name: &str, language: Language) -> String {
        label_in(self.labels().unwrap_or(&[]), name, language)
    }

    /// The value of this column in `row`, written in `language`, with times in the zone of
    /// `calendar`.
    pub fn cell(self, row: &LedgerRow, language: Language, calendar: &Calendar) -> Cell {
        let text = |s: &str| Cell::Text(s.to_owned());
        let label = |name: &str| Cell::Text(self.value_label(name, language));
        let yes_no = |b: bool| match (language, b) {
            (Language::Chinese, true) => text("是"),
            (Language::Chinese, false) => text("否"),
            (Language::English, true) => text("yes"),
            (Language::English, false) => text("no"),
        };
        let time = |t: Option<fieldledger_core::Timestamp>| {
            Cell::Text(t.map(|t| calendar.local_time(t)).unwrap_or_default())
        };
        let day = |d: Option<fieldledger_core::Date>| {
            Cell::Text(d.map(|d| d.to_string()).unwrap_or_default())
        };
        match self {
            Column::LedgerNumber => text(row.ledger_number.as_deref().unwrap_or("")),
            Column::RegisteredAt => time(row.registered_at),
            Column::Kind => label(&row.kind),
            Column::Complaint => yes_no(row.complaint),
            Column::Major => yes_no(row.major),
            Column::Source => label(&row.source),
            Column::SalesRepresentative => text(row.sales_representative.as_deref().unwrap_or("")),
            Column::CustomerName => text(&row.customer_name),
            Column::ContactPerson => text(&row.contact_person),
            Column::ContactMethod => text(&row.contact_method),
            Column::ProductName => text(&row.product_name),
            Column::Model => text(&row.model),
            Column::JobNumber => text(&row.job_number),
            Column::ContractNumber => text(&row.contract_number),
            Column::Content => text(&row.content),
            Column::Requests => text(&row.requests),
            Column::Disposition => row.disposition.as_deref().map_or(text(""), label),
            Column::Cause => text(&row.cause),
            Column::Responsibility => row.responsibility.as_deref().map_or(text(""), label),
            Column::Status => label(row.status.as_str()),
            Column::Assignees => {
                let ids: Vec<&str> = row.assignees.iter().map(|u| u.as_str()).collect();
                Cell::Text(ids.join(" "))
            }
            Column::HandedOffAt => time(row.handed_off_at),
            Column::OpenActions => Cell::Number(f64::from(row.open_actions)),
            Column::NextActionDue => day(row.next_action_due),
            // Minor units to yuan: exact for any total below 2^53 fen.
            Column::CostTotal => Cell::Number(row.cost_total_minor as f64 / 100.0),
            Column::NextReturnVisit => day(row.next_return_visit),
            Column::ShippedOn => day(row.shipped_on),
            Column::DrawingsSentAt => time(row.drawings_sent_at),
            Column::ReceivedAt => time(Some(row.received_at)),
            Column::TicketId => text(row.ticket_id.as_str()),
        }
    }
}

/// Reads a yes-or-no cell: 是/否, yes/no, true/false, y/n, 1/0, or empty for `default`.
pub fn yes_no(cell: &str, default: bool) -> Result<bool, String> {
    match cell.trim().to_lowercase().as_str() {
        "" => Ok(default),
        "是" | "yes" | "y" | "true" | "1" | "√" => Ok(true),
        "否" | "no" | "n" | "false" | "0" | "×" => Ok(false),
        other => Err(format!("{other:?} is neither 是/yes nor 否/no")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dashboard_names_every_value_as_the_export_does() {
        let words = include_str!("../web/js/i18n.js");
        for labels in [KINDS, SOURCES, DISPOSITIONS, RESPONSIBILITIES, STATUSES] {
            for (name, zh) in labels {
                let line = format!("{name}: [\"{zh}\", ");
                assert!(words.contains(&line), "i18n.js does not say {line}");
            }
        }
    }

    #[test]
    fn headers_are_recognised_in_either_language() {
        for &column in Column::VARIANTS {
            assert_eq!(
                Column::from_header(column.header(Language::Chinese)),
                Some(column)
            );
            assert_eq!(
                Column::from_header(&column.header(Language::English).to_uppercase()),
                Some(column)
            );
        }
        assert_eq!(
            Column::from_header("\u{feff}台账编号"),
            Some(Column::LedgerNumber)
        );
        let calendar = Calendar::default();
        assert_eq!(
            Column::RegisteredAt.header_in(Language::Chinese, &calendar),
            "登记时间 (UTC+8)"
        );
        for &column in Column::VARIANTS {
            let exported = column.header_in(Language::English, &calendar);
            assert_eq!(Column::from_header(&exported), Some(column), "{exported}");
        }
        assert_eq!(
            Column::from_header("customer_name"),
            Some(Column::CustomerName)
        );
        assert_eq!(Column::from_header("备注"), None);
    }

    #[test]
    fn values_are_read_from_labels_machine_names_or_words() {
        assert_eq!(Column::Kind.value_name("安装"), Ok("installation"));
        assert_eq!(
            Column::Disposition.value_name("Repair on site"),
            Ok("repair_on_site")
        );
        assert_eq!(
            Column::Responsibility.value_name("customer_use"),
            Ok("customer_use")
        );
        let error = Column::Kind.value_name("抱怨").err().unwrap_or_default();
        assert!(error.contains("投诉 (complaint)"), "{error}");
        assert_eq!(yes_no("是", false), Ok(true));
        assert_eq!(yes_no(" ", true), Ok(true));
        assert!(yes_no("maybe", false).is_err());
    }

    #[test]
    fn only_what_a_spreadsheet_records_is_imported() {
        assert!(Column::Cause.importable());
        assert!(!Column::Status.importable());
        assert!(!Column::CostTotal.importable());
    }
}
