// Chinese (zh-CN) and English: chosen from the browser, switchable, remembered. The regulation's
// terms (客户服务管理规定) are used as the service organisation writes them.

const STORE = "fieldledger.lang";

const zh = {
  "nav.ledger": "台账", "nav.desk": "客服登记", "nav.events": "实时动态", "nav.visits": "回访",
  "nav.quality": "品质保证", "nav.finance": "服务费用", "nav.statistics": "统计分析",
  "app.switch": "English", "app.signOut": "退出登录", "app.refused": "您的角色无权使用此页面 (403)。",
  "app.error": "出错了", "app.saved": "已保存", "app.loading": "加载中…", "app.none": "暂无",
  "signin.title": "登录 fieldledger 客户服务台账", "signin.user": "用户名", "signin.password": "密码",
  "signin.submit": "登录", "signin.failed": "用户名或密码错误",
  "ledger.title": "客户投诉信息处理台账", "ledger.search": "搜索", "ledger.apply": "筛选",
  "ledger.reset": "清除", "ledger.from": "登记日期自", "ledger.to": "登记日期至",
  "ledger.total": "共 {n} 条", "ledger.prev": "上一页", "ledger.next": "下一页",
  "ledger.page": "第 {p} / {n} 页", "ledger.export": "导出", "ledger.anyStatus": "全部状态",
  "f.ledger_number": "台账编号", "f.status": "状态", "f.customer": "客户名称", "f.product": "产品名称",
  "f.model": "规格型号", "f.job_number": "工号", "f.contract_number": "合同号", "f.assignee": "指派技术员",
  "f.registered_at": "登记时间", "f.updated_at": "更新时间", "f.contact_person": "客户联系人",
  "f.contact_method": "联系方式", "f.content": "投诉内容", "f.requests": "客户要求", "f.kind": "类别",
  "f.complaint": "属于投诉", "f.major": "重大投诉", "f.source": "信息来源", "f.sales_representative": "销售代表",
  "f.disposition": "处理方式", "f.cost_total": "费用合计", "f.note": "备注", "f.to": "移交给",
  "f.number": "编号", "f.department": "签发部门", "f.assignees": "技术员", "f.cause": "原因",
  "f.responsibility": "责任", "f.satisfaction": "满意度", "f.resolved": "问题已解决", "f.notes": "客户意见",
  "f.method": "回访方式", "f.planned_for": "计划日期", "f.by": "执行人", "f.done_at": "完成时间",
  "f.amount": "金额", "f.bearer": "费用承担方", "f.cost_kind": "费用类别", "f.reference": "凭证号",
  "f.approved": "审核通过", "f.rationale": "理由", "f.due": "到期日", "f.owner": "责任部门",
  "f.description": "说明", "f.open_actions": "未关闭措施", "f.site": "现场", "f.role": "角色",
  "f.device_time": "设备时间", "f.received_time": "服务器接收时间", "f.action": "操作", "f.sections": "涉及部分",
  "f.signer": "签字人", "f.letter_body": "正文", "f.statement": "签字声明",
  "ticket.intake": "客户投诉信息处理单", "ticket.dispatch": "移交与出差任务单", "ticket.visits": "现场服务",
  "ticket.decisions": "处理方式判定", "ticket.returns": "返厂", "ticket.quality": "原因与责任 · 纠正预防措施",
  "ticket.letter": "技术分析函", "ticket.delivery": "发货与图纸", "ticket.recordShipment": "登记发货", "ticket.sendDrawings": "图纸已发送", "f.shipped_on": "发货日期", "f.drawings_sent_at": "图纸发送时间", "ticket.costs": "服务费用", "ticket.followups": "回访", "ticket.signoffs": "客户签字确认",
  "ticket.closures": "关闭", "ticket.history": "变更记录", "ticket.deadlines": "时限", "ticket.conflict": "处理方式冲突",
  "ticket.resolve": "裁定处理方式", "ticket.signedState": "查看签字时的状态", "ticket.fieldConflicts": "并发修改的字段",
  "ticket.handoffClock": "{minutes} 分钟移交时限", "ticket.photos": "照片", "ticket.close": "关闭工单",
  "ticket.actions": "操作", "ticket.letterIssued": "已签发", "ticket.letterDraft": "草稿",
  "desk.title": "客户信息接收与登记", "desk.register": "登记", "desk.awaiting": "待移交（{minutes} 分钟内）",
  "desk.handOff": "移交", "desk.order": "签发出差任务单", "desk.registered": "已登记 {n}",
  "desk.left": "剩余 {t}", "desk.over": "已超时 {t}",
  "events.title": "实时动态（服务部门）", "events.connected": "已连接，实时更新", "events.reconnecting": "重新连接中…",
  "visits.title": "回访跟踪", "visits.record": "记录回访结果", "visits.plan": "安排回访",
  "visits.anyState": "全部", "visits.anyDept": "全部部门",
  "quality.title": "原因、责任与纠正预防措施", "quality.open": "未关闭的纠正预防措施", "quality.pastDue": "已逾期",
  "quality.byCause": "按原因", "quality.byResponsibility": "按责任",
  "finance.title": "服务费用审核与结算", "finance.byBearer": "按费用承担方汇总", "finance.toAudit": "待审核",
  "finance.toSettle": "待结算", "finance.settled": "已结算", "finance.audit": "审核", "finance.reject": "驳回",
  "finance.settle": "结算", "finance.total": "合计", "finance.approvedSum": "已审核", "finance.settledSum": "已结算",
  "stats.title": "服务数据统计分析", "stats.byProduct": "按产品统计投诉", "stats.byModel": "按规格型号统计投诉",
  "stats.byCause": "按原因统计投诉", "stats.byMonth": "按月份统计投诉", "stats.handoff": "{minutes} 分钟移交达标率",
  "stats.byDevice": "按设备时间", "stats.byReceipt": "按服务器接收时间", "stats.satisfaction": "回访满意度",
  "stats.mean": "平均满意度 {m}，完成 {d}/{p}",
  "yes": "是", "no": "否", "unknown": "未记录",
};

const en = {
  "nav.ledger": "Ledger", "nav.desk": "Service desk", "nav.events": "Live events", "nav.visits": "Return visits",
  "nav.quality": "QA", "nav.finance": "Costs", "nav.statistics": "Statistics",
  "app.switch": "中文", "app.signOut": "Sign out", "app.refused": "Your role may not use this page (403).",
  "app.error": "Error", "app.saved": "Saved", "app.loading": "Loading…", "app.none": "None",
  "signin.title": "Sign in to the fieldledger service ledger", "signin.user": "User name", "signin.password": "Password",
  "signin.submit": "Sign in", "signin.failed": "The user name or the password is wrong",
  "ledger.title": "Complaint ledger", "ledger.search": "Search", "ledger.apply": "Filter",
  "ledger.reset": "Clear", "ledger.from": "Registered from", "ledger.to": "Registered to",
  "ledger.total": "{n} tickets", "ledger.prev": "Previous", "ledger.next": "Next",
  "ledger.page": "Page {p} of {n}", "ledger.export": "Export", "ledger.anyStatus": "Any status",
  "f.ledger_number": "Ledger no.", "f.status": "Status", "f.customer": "Customer", "f.product": "Product",
  "f.model": "Model", "f.job_number": "Job no.", "f.contract_number": "Contract no.", "f.assignee": "Assignee",
  "f.registered_at": "Registered", "f.updated_at": "Updated", "f.contact_person": "Contact person",
  "f.contact_method": "Contact", "f.content": "Complaint content", "f.requests": "Customer's requests", "f.kind": "Kind",
  "f.complaint": "Is a complaint", "f.major": "Major complaint", "f.source": "Source", "f.sales_representative": "Sales representative",
  "f.disposition": "Disposition", "f.cost_total": "Costs", "f.note": "Note", "f.to": "Hand off to",
  "f.number": "Number", "f.department": "Issuing department", "f.assignees": "Technicians", "f.cause": "Cause",
  "f.responsibility": "Responsibility", "f.satisfaction": "Satisfaction", "f.resolved": "Problem resolved", "f.notes": "Customer's words",
  "f.method": "Method", "f.planned_for": "Planned for", "f.by": "By", "f.done_at": "Done",
  "f.amount": "Amount", "f.bearer": "Borne by", "f.cost_kind": "Cost kind", "f.reference": "Reference",
  "f.approved": "Approved", "f.rationale": "Rationale", "f.due": "Due", "f.owner": "Owner",
  "f.description": "Description", "f.open_actions": "Open actions", "f.site": "Site", "f.role": "Role",
  "f.device_time": "Device time", "f.received_time": "Received", "f.action": "Action", "f.sections": "Sections",
  "f.signer": "Signer", "f.letter_body": "Text", "f.statement": "Statement",
  "ticket.intake": "Complaint information form", "ticket.dispatch": "Hand-offs and travel task orders", "ticket.visits": "Visits on site",
  "ticket.decisions": "Disposition", "ticket.returns": "Returned units", "ticket.quality": "Cause, responsibility, corrective actions",
  "ticket.letter": "Technical analysis letter", "ticket.delivery": "Shipment and drawings", "ticket.recordShipment": "Record shipment", "ticket.sendDrawings": "Drawings sent", "f.shipped_on": "Shipped on", "f.drawings_sent_at": "Drawings sent at", "ticket.costs": "Service costs", "ticket.followups": "Return visits", "ticket.signoffs": "Customer sign-off",
  "ticket.closures": "Closure", "ticket.history": "History", "ticket.deadlines": "Deadlines", "ticket.conflict": "Decision conflict",
  "ticket.resolve": "Resolve with a disposition", "ticket.signedState": "Show the state signed", "ticket.fieldConflicts": "Fields edited concurrently",
  "ticket.handoffClock": "{minutes}-minute hand-off", "ticket.photos": "Photos", "ticket.close": "Close the ticket",
  "ticket.actions": "Actions", "ticket.letterIssued": "issued", "ticket.letterDraft": "draft",
  "desk.title": "Intake and registration", "desk.register": "Register", "desk.awaiting": "Awaiting hand-off ({minutes} minutes)",
  "desk.handOff": "Hand off", "desk.order": "Issue travel task order", "desk.registered": "Registered {n}",
  "desk.left": "{t} left", "desk.over": "{t} over",
  "events.title": "Live events (service department)", "events.connected": "Connected, live", "events.reconnecting": "Reconnecting…",
  "visits.title": "Return visits", "visits.record": "Record outcome", "visits.plan": "Plan a return visit",
  "visits.anyState": "All", "visits.anyDept": "All departments",
  "quality.title": "Causes, responsibility and corrective actions", "quality.open": "Open corrective and preventive actions", "quality.pastDue": "past due",
  "quality.byCause": "By cause", "quality.byResponsibility": "By responsibility",
  "finance.title": "Service costs to audit and settle", "finance.byBearer": "Totals by bearer", "finance.toAudit": "To audit",
  "finance.toSettle": "To settle", "finance.settled": "Settled", "finance.audit": "Approve", "finance.reject": "Reject",
  "finance.settle": "Settle", "finance.total": "Total", "finance.approvedSum": "Approved", "finance.settledSum": "Settled",
  "stats.title": "Statistics of the service data", "stats.byProduct": "Complaints by product", "stats.byModel": "Complaints by model",
  "stats.byCause": "Complaints by cause", "stats.byMonth": "Complaints by month", "stats.handoff": "Hand-off within {minutes} minutes",
  "stats.byDevice": "by device clock", "stats.byReceipt": "by server receipt", "stats.satisfaction": "Return-visit satisfaction",
  "stats.mean": "mean satisfaction {m}, {d} of {p} done",
  "yes": "yes", "no": "no", "unknown": "not recorded",
};

// Names of the values the API uses, per language: [zh, en].
const NAMES = {
  status: {
    received: ["已接收", "received"], registered: ["已登记", "registered"], handed_off: ["已移交", "handed off"],
    dispatched: ["已派工", "dispatched"], on_site: ["现场服务中", "on site"], awaiting_return: ["待返厂", "awaiting return"],
    awaiting_inspection: ["待检验", "awaiting inspection"], resolved: ["已处理", "resolved"], closed: ["已关闭", "closed"],
    reopened: ["已重开", "reopened"],
  },
  role: {
    technician: ["客服部门技术员", "technician"], service_desk: ["技术服务部门客服专员", "service desk"],
    supervisor: ["技术服务部门主管", "supervisor"], commerce: ["商务部", "commerce"], quality_assurance: ["品质保证部", "quality assurance"],
    inspection: ["检验部门", "inspection"], technical: ["技术部门", "technical department"], rn_d: ["研发部", "R&D"],
    manufacturing: ["制造部门", "manufacturing"], procurement: ["采购部", "procurement"], finance: ["财务部", "finance"],
    sales: ["营销中心", "sales"], manager: ["总经理", "general manager"], admin: ["系统管理员", "administrator"],
  },
  disposition: {
    repair_on_site: ["现场维修", "repair on site"], replace: ["更换", "replace"], return_to_factory: ["返厂", "return to factory"],
    no_fault_found: ["未发现故障", "no fault found"],
  },
  kind: {
    complaint: ["投诉", "complaint"], installation: ["安装", "installation"], commissioning: ["调试", "commissioning"],
    power_on: ["送电", "power-on"], repair_request: ["维修", "repair request"], inquiry: ["咨询", "inquiry"],
  },
  source: { customer: ["客户", "customer"], sales_representative: ["销售代表", "sales representative"] },
  order_kind: {
    on_site_service: ["现场服务", "on-site service"], installation: ["安装", "installation"],
    commissioning: ["调试", "commissioning"], power_on: ["送电", "power-on"],
  },
  department: { technical_service: ["技术服务部门", "technical service department"], commerce: ["商务部", "commerce department"] },
  cost_kind: { travel: ["差旅", "travel"], parts: ["备件", "parts"], labour: ["人工", "labour"], freight: ["运费", "freight"], other: ["其他", "other"] },
  bearer: { company: ["公司", "company"], sales_representative: ["销售代表承担", "sales representative"], supplier: ["供应商", "supplier"], customer: ["客户", "customer"] },
  responsibility: {
    design: ["设计", "design"], manufacturing: ["制造", "manufacturing"], supplier: ["供应商", "supplier"],
    transport_packaging: ["运输包装", "transport and packaging"], installation: ["安装", "installation"],
    customer_use: ["客户使用", "customer use"], sales: ["销售", "sales"],
  },
  method: { phone: ["电话", "phone"], visit: ["上门", "visit"], email: ["邮件", "email"], message: ["短信", "message"] },
  visit_state: { planned: ["计划中", "planned"], due: ["到期", "due"], overdue: ["逾期", "overdue"], done: ["已完成", "done"] },
  action_status: { open: ["未关闭", "open"], done: ["已完成", "done"], verified: ["已验证", "verified"], cancelled: ["已取消", "cancelled"] },
  action_kind: { corrective: ["纠正措施", "corrective"], preventive: ["预防措施", "preventive"] },
  deadline: { handoff: ["限时移交", "hand-off"], return_visit_due: ["回访到期", "return visit due"], return_visit_overdue: ["回访逾期", "return visit overdue"], corrective_action: ["纠正预防措施到期", "corrective action"], drawing_delivery: ["发货后 3 个工作日内发送图纸", "drawings after shipment"] },
  clock_state: { met: ["按时", "met"], missed: ["超时", "missed"], pending: ["进行中", "pending"] },
  verdict: { defect_confirmed: ["确认缺陷", "defect confirmed"], no_defect_found: ["未发现缺陷", "no defect found"], passed: ["合格", "passed"], failed: ["不合格", "failed"] },
  event: {
    registered: ["已登记", "registered"], handed_off: ["已移交", "handed off"], dispatched: ["已签发出差任务单", "dispatched"],
    arrived_on_site: ["技术员到达现场", "arrived on site"], decision_recorded: ["已判定处理方式", "decision recorded"],
    decision_conflict: ["处理方式冲突", "decision conflict"], replacement_or_return_requested: ["申请更换或返厂", "replacement or return requested"],
    inspection_verdict: ["检验结论", "inspection verdict"], signed_off: ["客户已签字确认", "signed off"], cost_submitted: ["已提交费用", "cost submitted"],
    cost_audited: ["费用已审核", "cost audited"], return_visit_recorded: ["已记录回访", "return visit recorded"], reopened: ["已重开", "reopened"],
    major_complaint: ["重大投诉", "major complaint"], closed: ["已关闭", "closed"], deadline_missed: ["超出时限", "deadline missed"],
    return_visit_due: ["回访到期", "return visit due"], return_visit_overdue: ["回访逾期", "return visit overdue"],
  },
  section: {
    meta: ["元数据", "meta"], intake: ["登记", "intake"], dispatch: ["派工", "dispatch"], visits: ["现场服务", "visits"],
    decisions: ["处理方式", "decisions"], returns: ["返厂", "returns"], quality: ["品质", "quality"], letter: ["技术分析函", "letter"],
    costs: ["费用", "costs"], followups: ["回访", "return visits"], signoff: ["签字确认", "sign-off"], closure: ["关闭", "closure"], delivery: ["发货与图纸", "shipment and drawings"],
  },
};

let current = pick();

function pick() {
  const stored = localStorage.getItem(STORE);
  if (stored === "zh-CN" || stored === "en") return stored;
  return (navigator.languages ?? [navigator.language]).some((l) => l?.toLowerCase().startsWith("zh")) ? "zh-CN" : "en";
}

export function lang() {
  return current;
}

export function setLang(next) {
  current = next;
  localStorage.setItem(STORE, next);
  document.documentElement.lang = next;
}

// The text for `key`, with {name} placeholders filled from `args`.
export function t(key, args = {}) {
  const text = (current === "zh-CN" ? zh : en)[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => args[name] ?? "");
}

// The name of an API value in the current language (the value itself when unknown).
export function name(group, value) {
  if (value === null || value === undefined || value === "") return t("unknown");
  const pair = NAMES[group]?.[value];
  return pair ? pair[current === "zh-CN" ? 0 : 1] : String(value);
}

// Every [value, name] of a group, for <select>s.
export function options(group) {
  return Object.keys(NAMES[group]).map((v) => [v, name(group, v)]);
}

export function dateTime(ms) {
  if (ms === null || ms === undefined) return "—";
  return new Intl.DateTimeFormat(current, { dateStyle: "medium", timeStyle: "short" }).format(new Date(ms));
}

// A calendar day "YYYY-MM-DD", shown as the language writes days.
export function day(iso) {
  if (!iso) return "—";
  const [y, m, d] = iso.split("-").map(Number);
  return new Intl.DateTimeFormat(current, { dateStyle: "medium", timeZone: "UTC" }).format(new Date(Date.UTC(y, m - 1, d)));
}

export function money(minor, currency = "CNY") {
  return new Intl.NumberFormat(current, { style: "currency", currency }).format(minor / 100);
}

export function number(n, digits = 0) {
  return new Intl.NumberFormat(current, { maximumFractionDigits: digits }).format(n);
}

export function percent(share) {
  return new Intl.NumberFormat(current, { style: "percent", maximumFractionDigits: 1 }).format(share);
}

// A duration in ms as h:mm:ss or m:ss.
export function duration(ms) {
  const s = Math.floor(Math.abs(ms) / 1000);
  const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  const pad = (n) => String(n).padStart(2, "0");
  return hh ? `${hh}:${pad(mm)}:${pad(ss)}` : `${mm}:${pad(ss)}`;
}
