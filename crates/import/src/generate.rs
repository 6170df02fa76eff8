//! Generated volunteer files for benchmarks (`zhiyuan bench import`) and
//! load tests: any number of valid rows with unique ID numbers and phones,
//! homes in a few real Jiangxi villages and communities, and a realistic mix
//! of political status and skills. The same seed gives the same file.

use chrono::{Days, NaiveDate};
use std::io;
use zhiyuan_domain::id_number::compose;

/// Real village and community codes of Jiangxi (urban communities and rural
/// village committees in several cities); load the division list first.
pub const VILLAGES: [&str; 10] = [
    "360111001002", // 南昌 青山湖区 电化社区
    "360111001004", // 南昌 青山湖区 潘坊社区
    "360121100200", // 南昌县 莲塘村
    "360121100202", // 南昌县 斗门村
    "360302001001", // 萍乡 安源区 张家大屋
    "360402001200", // 九江 濂溪区 十里村
    "360702003200", // 赣州 章贡区 红旗村
    "360802007200", // 吉安 吉州区 神岗山村
    "360902100200", // 宜春 袁州区 彬霞村
    "361102001001", // 上饶 信州区 上滩头社区
];

const SURNAMES: [&str; 40] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林",
    "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "熊",
    "万", "邹",
];

const GIVEN: [&str; 40] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "霞",
    "平", "刚", "桂", "英", "华", "建", "国", "文", "红", "玉", "兰", "志", "春", "海", "燕", "晨", "欣", "宇", "浩",
    "婷", "鑫",
];

const SKILLS: [&str; 16] = [
    "医疗救护",
    "法律咨询",
    "心理疏导",
    "文艺演出",
    "教育辅导",
    "环境保护",
    "应急救援",
    "信息技术",
    "驾驶",
    "摄影",
    "理发",
    "家电维修",
    "助老服务",
    "手语",
    "翻译",
    "烹饪",
];

/// Political status by share in percent (the seed reports 21.9 % party members).
const POLITICAL_STATUS: [(&str, u64); 6] = [
    ("中共党员", 20),
    ("中共预备党员", 2),
    ("共青团员", 15),
    ("民主党派", 1),
    ("无党派人士", 1),
    ("群众", 61),
];

/// Second digits of the generated mobile numbers (13x is left to demo accounts).
const PHONE_PREFIXES: [u64; 4] = [5, 7, 8, 9];

/// Birth dates run for `BIRTH_DAYS` days from 1950-01-01 to 2007-12-31:
/// on any date from 2026 on, everyone is an adult.
const BIRTH_DAYS: u64 = 21_184;

fn first_birth_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(1950, 1, 1).expect("a valid date")
}

/// Writes a volunteer CSV file with a header and `count` valid rows. ID
/// numbers and phones are unique within one file (up to 21 million rows);
/// different seeds give different people.
pub fn write_generated_volunteers<W: io::Write>(writer: W, count: u64, seed: u64) -> io::Result<()> {
    let capacity = BIRTH_DAYS * 1000;
    if count > capacity {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("at most {capacity} unique volunteers can be generated"),
        ));
    }
    // Person k of the file is the k-th point of an affine walk over every
    // (birth day, sequence) pair, a bijection, so no two rows share an ID.
    let step = coprime_step(capacity);
    let start = splitmix(seed) % capacity;
    let mut csv = csv::Writer::from_writer(writer);
    csv.write_record([
        "name",
        "id_number",
        "phone",
        "region_code",
        "political_status",
        "skills",
    ])?;
    for index in 0..count {
        let person = ((u128::from(start + index) * u128::from(step)) % u128::from(capacity)) as u64;
        let mut random = Random(splitmix(seed ^ splitmix(index)));
        let birth = first_birth_date() + Days::new(person / 1000);
        let village = VILLAGES[random.below(VILLAGES.len() as u64) as usize];
        let id_number = compose(&village[..6], birth, (person % 1000) as u16);
        // Phones: a bijection of `person` too, spread over the number range.
        let line = (person / 4).wrapping_mul(387_420_489) % 1_000_000_000;
        let phone = format!("1{}{line:09}", PHONE_PREFIXES[(person % 4) as usize]);
        let given_len = 1 + random.below(2);
        let mut name = SURNAMES[random.below(SURNAMES.len() as u64) as usize].to_string();
        for _ in 0..given_len {
            name.push_str(GIVEN[random.below(GIVEN.len() as u64) as usize]);
        }
        let status = random.pick_status();
        let mut skills: Vec<&str> = Vec::new();
        for _ in 0..random.below(4) {
            let skill = SKILLS[random.below(SKILLS.len() as u64) as usize];
            if !skills.contains(&skill) {
                skills.push(skill);
            }
        }
        csv.write_record([name.as_str(), &id_number, &phone, village, status, &skills.join(";")])?;
    }
    csv.flush()
}

/// A multiplier coprime with `modulus`, near its golden section so that
/// consecutive rows land far apart.
fn coprime_step(modulus: u64) -> u64 {
    let mut step = modulus / 8 * 5 + 1;
    while gcd(step, modulus) != 1 {
        step += 1;
    }
    step
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// SplitMix64: a fast, well-mixed hash of one 64-bit number.
fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A tiny deterministic generator for one row's choices.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = splitmix(self.0);
        self.0
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }

    fn pick_status(&mut self) -> &'static str {
        let mut roll = self.below(100);
        for (status, share) in POLITICAL_STATUS {
            if roll < share {
                return status;
            }
            roll -= share;
        }
        "群众"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use zhiyuan_domain::volunteer::{RegistrationInput, register};

    #[test]
    fn rows_are_valid_unique_and_repeatable() {
        let mut file = Vec::new();
        write_generated_volunteers(&mut file, 20_000, 7).unwrap();
        let mut again = Vec::new();
        write_generated_volunteers(&mut again, 20_000, 7).unwrap();
        assert_eq!(file, again);
        let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let mut reader = csv::Reader::from_reader(file.as_slice());
        let (mut ids, mut phones, mut party) = (HashSet::new(), HashSet::new(), 0);
        for record in reader.records() {
            let record = record.unwrap();
            let input = RegistrationInput {
                name: record[0].into(),
                id_number: record[1].into(),
                phone: record[2].into(),
                region_code: record[3].into(),
                political_status: Some(record[4].into()),
                skills: record[5].split(';').map(str::to_string).collect(),
                guardian: None,
            };
            let registration = register(&input, today).unwrap_or_else(|e| panic!("{e}: {input:?}"));
            assert!(ids.insert(registration.id_number.as_str().to_string()));
            assert!(phones.insert(registration.phone.as_str().to_string()));
            party += usize::from(registration.political_status.is_party_member());
        }
        assert_eq!(ids.len(), 20_000);
        assert!((3_600..5_200).contains(&party), "{party}");
    }

    #[test]
    fn too_many_rows_are_refused() {
        let error = write_generated_volunteers(io::sink(), BIRTH_DAYS * 1000 + 1, 1).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
    }
}
