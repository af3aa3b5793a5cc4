//! The demo organisation that `serve --demo` seeds: a user of every role, a technician with an
//! enrolled device, and tickets in several states, so that a newcomer sees real data at once.

use fieldledger_core::ticket::decision::Disposition;
use fieldledger_core::ticket::dispatch::{Department, NewTravelOrder, OrderKind};
use fieldledger_core::ticket::intake::{IntakeSource, Registration, TicketKind};
use fieldledger_core::ticket::quality::Responsibility;
use fieldledger_core::ticket::signoff::NewSignOff;
use fieldledger_core::ticket::visit::{Measurement, Work};
use fieldledger_core::{Operation, Role, TicketId, UserId};

use crate::AppState;
use crate::accounts::{self, enrol};
use crate::error::{Code, Error};
use crate::storage::User;
use crate::storage::reference::{Cause, Contact, CustomerFields, Product, Site, UnitFields};
use crate::web::password;
use fieldledger_core::policy::signs_in_to_dashboard;

/// The demo users: id, name, role.
pub const USERS: [(&str, &str, Role); 14] = [
    ("tech.zhang", "张伟 Zhang Wei", Role::Technician),
    ("tech.li", "李娜 Li Na", Role::Technician),
    ("desk.wang", "王芳 Wang Fang", Role::ServiceDesk),
    ("sup.sun", "孙强 Sun Qiang", Role::Supervisor),
    ("commerce.ma", "马丽 Ma Li", Role::Commerce),
    ("qa.chen", "陈静 Chen Jing", Role::QualityAssurance),
    ("insp.liu", "刘洋 Liu Yang", Role::Inspection),
    ("tech.dept.he", "何磊 He Lei", Role::Technical),
    ("rnd.gao", "高峰 Gao Feng", Role::RnD),
    ("mfg.zhou", "周敏 Zhou Min", Role::Manufacturing),
    ("proc.wu", "吴刚 Wu Gang", Role::Procurement),
    ("fin.zhao", "赵丽 Zhao Li", Role::Finance),
    ("sales.xu", "徐明 Xu Ming", Role::Sales),
    ("mgr.qian", "钱总 Qian Zong", Role::Manager),
];

/// Tokens printed for the newcomer.
#[derive(Debug)]
pub struct DemoTokens {
    /// The demo technician's device token.
    pub technician: String,
    /// A service-desk token for the office API.
    pub desk: String,
    /// An administrator's token.
    pub admin: String,
    /// The dashboard password every demo office user has until the next start.
    pub password: String,
}

impl DemoTokens {
    /// The name of the file, in the data directory, where [`DemoTokens::shell_file`] is kept.
    pub const FILE: &str = "demo.env";

    /// The tokens and the server's address as shell variables, for a terminal to read with
    /// `. ./fieldledger-data/demo.env` so that the README's commands need no copying by hand.
    pub fn shell_file(&self, url: &str) -> String {
        format!(
            "# The demo's address and tokens, rewritten at every start of `serve --demo`.\n\
             FIELDLEDGER_URL={url}\n\
             TECH_TOKEN={}\n\
             DESK_TOKEN={}\n\
             ADMIN_TOKEN={}\n\
             DASHBOARD_PASSWORD={}\n",
            self.technician, self.desk, self.admin, self.password
        )
    }
}

fn uid(s: &str) -> Result<UserId, Error> {
    s.parse()
        .map_err(|e: fieldledger_core::Error| Error::Core(e))
}

fn registration(
    customer: &str,
    product: &str,
    model: &str,
    job: &str,
    content: &str,
    major: bool,
) -> Registration {
    Registration {
        kind: TicketKind::Complaint,
        complaint: true,
        product_name: product.into(),
        model: model.into(),
        job_number: job.into(),
        contract_number: format!("HT-{job}"),
        customer_name: customer.into(),
        contact_person: "刘工 Engineer Liu".into(),
        contact_method: "0311-8866 1234".into(),
        content: content.into(),
        requests: "请尽快派人到现场 Please send someone on site soon.".into(),
        source: IntakeSource::Customer,
        sales_representative: None,
        sales_rep: None,
        major,
        customer_id: None,
        unit_id: None,
    }
}

/// How the labels of the devices that [`seed`] enrols begin (in English, then in Chinese, as the
/// demo users' names are written).
const DEMO_LABEL: &str = "demo ";

/// Seeds the demo organisation when the server has no users yet, and returns fresh tokens and a
/// fresh dashboard password. A data directory that `--demo` did not make is refused: its
/// passwords and tokens belong to real people. The tokens of the previous start are revoked.
pub fn seed(state: &AppState) -> Result<DemoTokens, Error> {
    let users = state.storage.users()?;
    if !users.is_empty() && !state.storage.made_by_demo()? {
        return Err(Error::new(
            Code::NotADemo,
            "this data directory was not made by serve --demo: its passwords and tokens are \
             left as they are. Start it without --demo, or give --demo a new --data-dir",
        ));
    }
    if users.is_empty() {
        for (id, name, role) in
            USERS
                .iter()
                .copied()
                .chain([("admin", "管理员 Administrator", Role::Admin)])
        {
            accounts::add_user(state, &uid(id)?, name, role)?;
        }
        seed_reference(state)?;
        seed_tickets(state)?;
        state.storage.mark_made_by_demo()?;
    }
    for device in state.storage.devices()? {
        if device.label.starts_with(DEMO_LABEL) && device.revoked_at.is_none() {
            accounts::revoke(state, &device.id)?;
        }
    }
    let user = |id: &str| -> Result<User, Error> {
        state
            .storage
            .user(&uid(id)?)?
            .ok_or_else(|| Error::not_found(format!("no demo user {id}")))
    };
    // One fresh password for every office user, hashed once: the demo starts quickly.
    let password = format!("demo-{}", hex::encode(rand::random::<[u8; 5]>()));
    let hash = password::hash(&password)?;
    for office in state.storage.users()? {
        if signs_in_to_dashboard(office.role) {
            state
                .storage
                .set_password(&office.id, &hash, state.clock.now())?;
        }
    }
    Ok(DemoTokens {
        technician: enrol(
            state,
            &user("tech.zhang")?.id,
            &format!("{DEMO_LABEL}phone · 演示手机"),
        )?
        .1,
        desk: enrol(
            state,
            &user("desk.wang")?.id,
            &format!("{DEMO_LABEL}desk · 演示客服终端"),
        )?
        .1,
        admin: enrol(
            state,
            &user("admin")?.id,
            &format!("{DEMO_LABEL}admin console · 演示管理终端"),
        )?
        .1,
        password,
    })
}

/// The demo's customers: name, site, site address, contact, phone.
const CUSTOMERS: [(&str, &str, &str, &str, &str); 6] = [
    (
        "沧州水务集团 Cangzhou Water",
        "东区水厂 East works",
        "沧州市运河区",
        "刘工 Engineer Liu",
        "0317-2211 3344",
    ),
    (
        "唐山港务 Tangshan Port",
        "京唐港区 Jingtang terminal",
        "唐山市曹妃甸",
        "赵工 Engineer Zhao",
        "0315-5566 7788",
    ),
    (
        "河北钢铁二厂 Hebei Steel No. 2",
        "轧钢车间 rolling mill",
        "邯郸市复兴区",
        "孙工 Engineer Sun",
        "0310-3344 5566",
    ),
    (
        "石家庄热电 Shijiazhuang Power",
        "110kV 变电站 substation",
        "石家庄市长安区",
        "周工 Engineer Zhou",
        "0311-8866 1234",
    ),
    (
        "保定纺织 Baoding Textiles",
        "配电室 switch room",
        "保定市竞秀区",
        "吴工 Engineer Wu",
        "0312-5566 0101",
    ),
    (
        "廊坊数据中心 Langfang Data Centre",
        "A 栋 Building A",
        "廊坊市广阳区",
        "郑工 Engineer Zheng",
        "0316-7788 9900",
    ),
];

/// The demo's product catalogue: code, name, model family.
const PRODUCTS: [(&str, &str, &str); 5] = [
    ("KYN28A", "KYN28A-12 开关柜 switchgear", "KYN28A"),
    ("SVG", "SVG 无功补偿装置 static var generator", "SVG"),
    ("ZN63", "ZN63 真空断路器 vacuum breaker", "ZN63"),
    ("DTU", "DTU 配电终端 distribution terminal", "DTU"),
    ("APF", "APF 有源滤波器 active filter", "APF"),
];

/// The demo's installed units: customer (index into [`CUSTOMERS`]), product (index into
/// [`PRODUCTS`]), model, job number, serial, commissioning day. The contract number is
/// `HT-<job number>`, as the demo's tickets have it.
const UNITS: [(usize, usize, &str, &str, &str, &str); 8] = [
    (
        0,
        0,
        "KYN28A-12/1250",
        "J2026-0311",
        "KY2601-0311",
        "2026-01-15",
    ),
    (
        0,
        0,
        "KYN28A-12/1250",
        "J2026-0312",
        "KY2601-0312",
        "2026-01-15",
    ),
    (
        1,
        1,
        "SVG-10/5000",
        "J2025-1187",
        "SV2509-1187",
        "2025-10-20",
    ),
    (
        2,
        2,
        "ZN63-12/1250-31.5",
        "J2026-0102",
        "ZN2512-0102",
        "2026-01-05",
    ),
    (3, 3, "DTU-8F", "J2025-0877", "DT2507-0877", "2025-08-01"),
    (
        4,
        4,
        "APF-400/100",
        "J2025-0456",
        "AP2505-0456",
        "2025-06-10",
    ),
    (
        4,
        4,
        "APF-400/100",
        "J2025-0457",
        "AP2505-0457",
        "2025-06-10",
    ),
    (
        5,
        1,
        "SVG-35/10000",
        "J2026-0520",
        "SV2604-0520",
        "2026-05-02",
    ),
];

/// The demo's cause codes: code, Chinese label, English label, responsibility implied.
const CAUSES: [(&str, &str, &str, Option<Responsibility>); 5] = [
    (
        "C01",
        "设计缺陷",
        "Design defect",
        Some(Responsibility::Design),
    ),
    (
        "C02",
        "装配不良",
        "Assembly fault",
        Some(Responsibility::Manufacturing),
    ),
    (
        "C03",
        "外购件失效",
        "Bought-in part failed",
        Some(Responsibility::Supplier),
    ),
    (
        "C04",
        "运输损坏",
        "Damaged in transport",
        Some(Responsibility::TransportPackaging),
    ),
    (
        "C05",
        "操作不当",
        "Improper operation",
        Some(Responsibility::CustomerUse),
    ),
];

/// Seeds the demo's reference data: customers with a site and a contact each, products, the
/// units the demo's tickets name (and a few more) and cause codes.
fn seed_reference(state: &AppState) -> Result<(), Error> {
    let storage = &state.storage;
    let mut customers = Vec::new();
    for (name, site, address, contact, phone) in CUSTOMERS {
        let fields = CustomerFields {
            name: name.into(),
            sites: vec![Site {
                name: site.into(),
                address: address.into(),
            }],
            contacts: vec![Contact {
                name: contact.into(),
                phone: phone.into(),
            }],
        };
        customers.push(storage.create_customer(&fields)?);
    }
    for (code, name, family) in PRODUCTS {
        let product = Product {
            code: code.into(),
            name: name.into(),
            model_family: family.into(),
        };
        storage.put_product(&product, true)?;
    }
    for (customer, product, model, job, serial, day) in UNITS {
        let (customer, product) = (&customers[customer], PRODUCTS[product]);
        storage.create_unit(&UnitFields {
            customer_id: customer.id,
            site: customer.fields.sites[0].name.clone(),
            product_code: Some(product.0.into()),
            product_name: product.1.into(),
            model: model.into(),
            job_number: job.into(),
            contract_number: format!("HT-{job}"),
            serial: serial.into(),
            commissioned_on: Some(day.parse()?),
        })?;
    }
    for (code, zh, en, responsibility) in CAUSES {
        let cause = Cause {
            code: code.into(),
            label_zh: zh.into(),
            label_en: en.into(),
            responsibility,
        };
        storage.put_cause(&cause, true)?;
    }
    Ok(())
}

/// `reg` naming the demo unit of its job number, and its customer.
fn of_unit(state: &AppState, reg: Registration) -> Result<Registration, Error> {
    let unit = state.storage.unit_of_job(&reg.job_number)?;
    Ok(Registration {
        unit_id: unit.as_ref().map(|u| u.id),
        customer_id: unit.as_ref().map(|u| u.fields.customer_id),
        ..reg
    })
}

fn seed_tickets(state: &AppState) -> Result<(), Error> {
    let user = |id: &str| -> Result<User, Error> {
        state
            .storage
            .user(&uid(id)?)?
            .ok_or_else(|| Error::not_found(format!("no demo user {id}")))
    };
    let (desk, zhang, li) = (user("desk.wang")?, user("tech.zhang")?, user("tech.li")?);
    let engine = &state.engine;
    let record = |who: &User, id: &TicketId, op: Operation| engine.record(who, id, &op);
    let order = |number: &str, to: &User| {
        Operation::IssueTravelOrder(NewTravelOrder {
            number: number.into(),
            kind: OrderKind::OnSiteService,
            issuing_department: Department::TechnicalService,
            assignees: vec![to.id.clone()],
        })
    };

    engine.register(
        &desk,
        &of_unit(
            state,
            registration(
                "沧州水务集团 Cangzhou Water",
                "KYN28A-12 开关柜 switchgear",
                "KYN28A-12/1250",
                "J2026-0311",
                "3号柜断路器无法合闸 Breaker in bay 3 will not close.",
                false,
            ),
        )?,
    )?;

    let handed = engine.register(
        &desk,
        &of_unit(
            state,
            registration(
                "唐山港务 Tangshan Port",
                "SVG 无功补偿装置 static var generator",
                "SVG-10/5000",
                "J2025-1187",
                "装置频繁报过流故障 Frequent overcurrent trips.",
                false,
            ),
        )?,
    )?;
    record(
        &desk,
        &handed,
        Operation::HandOff {
            person: None,
            to: vec![Role::Technician, Role::Supervisor],
            note: "客户很着急 customer is waiting".into(),
        },
    )?;

    let dispatched = engine.register(
        &desk,
        &of_unit(
            state,
            registration(
                "河北钢铁二厂 Hebei Steel No. 2",
                "ZN63 真空断路器 vacuum breaker",
                "ZN63-12/1250-31.5",
                "J2026-0102",
                "合闸线圈烧毁 Closing coil burnt out.",
                true,
            ),
        )?,
    )?;
    record(
        &desk,
        &dispatched,
        Operation::HandOff {
            person: None,
            to: vec![Role::Technician, Role::Manager, Role::RnD],
            note: "重大投诉 major complaint".into(),
        },
    )?;
    record(&desk, &dispatched, order("CC-2026-0091", &zhang))?;

    let on_site = engine.register(
        &desk,
        &of_unit(
            state,
            registration(
                "石家庄热电 Shijiazhuang Power",
                "DTU 配电终端 distribution terminal",
                "DTU-8F",
                "J2025-0877",
                "通信中断 Communication lost.",
                false,
            ),
        )?,
    )?;
    record(&desk, &on_site, order("CC-2026-0092", &zhang))?;
    let visit = record(
        &zhang,
        &on_site,
        Operation::Arrive {
            order_id: None,
            site: "110kV 变电站 substation, 2号间隔 bay 2".into(),
        },
    )?
    .entry;
    if let Some(visit_id) = visit {
        record(
            &zhang,
            &on_site,
            Operation::LogWork {
                visit_id,
                work: Work::Step {
                    description: "检查光纤通道 Checked the fibre channel".into(),
                    measurements: vec![Measurement {
                        quantity: "光功率 optical power".into(),
                        value: -18.5,
                        unit: "dBm".into(),
                    }],
                },
            },
        )?;
    }

    // Brought in by the demo sales representative, who confirms the service once it is done.
    let resolved = engine.register(
        &desk,
        &of_unit(
            state,
            Registration {
                source: IntakeSource::SalesRepresentative,
                sales_rep: Some(uid("sales.xu")?),
                ..registration(
                    "保定纺织 Baoding Textiles",
                    "APF 有源滤波器 active filter",
                    "APF-400/100",
                    "J2025-0456",
                    "谐波超标 Harmonics above limit.",
                    false,
                )
            },
        )?,
    )?;
    record(&desk, &resolved, order("CC-2026-0080", &li))?;
    if let Some(visit_id) = record(
        &li,
        &resolved,
        Operation::Arrive {
            order_id: None,
            site: "配电室 switch room".into(),
        },
    )?
    .entry
    {
        record(
            &li,
            &resolved,
            Operation::LogWork {
                visit_id: visit_id.clone(),
                work: Work::Repair {
                    description: "更新控制参数 Updated control parameters".into(),
                },
            },
        )?;
        record(
            &li,
            &resolved,
            Operation::Decide {
                disposition: Disposition::RepairOnSite,
                rationale: "参数设置不当 parameters were wrong".into(),
            },
        )?;
        record(
            &li,
            &resolved,
            Operation::SignOff(NewSignOff {
                signer_name: "赵工 Engineer Zhao".into(),
                signer_title: "电气主管 electrical lead".into(),
                statement: "设备运行正常 equipment runs normally".into(),
                visit_id: Some(visit_id.clone()),
                signature: None,
            }),
        )?;
        record(&li, &resolved, Operation::Depart { visit_id })?;
    }
    Ok(())
}
