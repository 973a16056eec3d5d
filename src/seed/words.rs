//! Word lists the generators draw from, and small builders of text within a length bound.
//! Plain data: edit freely, but every entry must satisfy the columns it lands in (no quote
//! or backslash in anything that goes into hand-built JSON).

use super::kit::Rng;

/// Korean school-name stems (classroom schools).
pub const SCHOOL_STEMS: &[&str] = &[
    "한빛",
    "새솔",
    "푸른",
    "하늘",
    "가온",
    "누리",
    "다솜",
    "미래",
    "샛별",
    "은빛",
    "해맑은",
    "으뜸",
    "동산",
    "중앙",
    "서림",
    "청솔",
    "매화",
    "느티",
    "소나무",
    "햇살",
];
pub const REGIONS: &[&str] = &[
    "서울", "부산", "대구", "인천", "광주", "대전", "울산", "세종", "수원", "전주", "청주", "제주",
];

/// Student nickname parts (classroom messages): adjective + animal + digits, at most 20 chars.
pub const NICK_ADJ: &[&str] = &[
    "행복한",
    "용감한",
    "졸린",
    "빠른",
    "조용한",
    "신나는",
    "똑똑한",
    "귀여운",
    "배고픈",
    "반짝이는",
    "씩씩한",
    "느긋한",
];
pub const NICK_ANIMAL: &[&str] = &[
    "토끼",
    "호랑이",
    "고양이",
    "강아지",
    "다람쥐",
    "펭귄",
    "부엉이",
    "판다",
    "여우",
    "고래",
    "햄스터",
    "거북이",
    "사자",
    "코알라",
];

/// Classroom chat lines, each at most 40 characters.
pub const CLASS_CHAT: &[&str] = &[
    "안녕하세요!",
    "선생님 질문 있어요",
    "이 문제 어려워요",
    "정답은 3번인 것 같아요",
    "저도 같은 생각이에요",
    "다시 설명해 주세요",
    "알겠습니다",
    "ㅋㅋㅋ",
    "우와 맞았다!",
    "틀렸어요 ㅠㅠ",
    "다음 문제 주세요",
    "힌트 주세요",
    "속담 너무 재밌어요",
    "곱셈은 자신 있어요",
    "잠깐만요",
    "네!",
    "아하 이해했어요",
    "조금만 더 시간 주세요",
    "모둠 활동 언제 해요?",
    "오늘 숙제 있어요?",
];

pub const VOCABULARY: &[(&str, &str)] = &[
    ("사과", "apple"),
    ("학교", "school"),
    ("친구", "friend"),
    ("하늘", "sky"),
    ("바다", "sea"),
    ("연필", "pencil"),
    ("도서관", "library"),
    ("선생님", "teacher"),
    ("나무", "tree"),
    ("시계", "clock"),
];
pub const PROVERBS: &[(&str, &str)] = &[
    ("가는 말이 고와야", "오는 말이 곱다"),
    ("낮말은 새가 듣고", "밤말은 쥐가 듣는다"),
    ("세 살 버릇", "여든까지 간다"),
    ("원숭이도", "나무에서 떨어진다"),
    ("티끌 모아", "태산"),
    ("백지장도", "맞들면 낫다"),
    ("발 없는 말이", "천 리 간다"),
    ("소 잃고", "외양간 고친다"),
];

/// Classroom log event types, with relative frequencies (`join` is a hot-query sample).
pub const LOG_EVENTS: &[(&str, u32)] = &[
    ("join", 12),
    ("leave", 10),
    ("message", 30),
    ("problem_shown", 15),
    ("answer_submitted", 20),
    ("reaction", 10),
    ("reconnect", 2),
    ("error", 1),
];

/// English words for assistant and focusmate text.
pub const WORDS: &[&str] = &[
    "the", "a", "plan", "week", "project", "meeting", "notes", "draft", "review", "team", "data",
    "report", "summary", "idea", "list", "budget", "trip", "schedule", "code", "test", "design",
    "email", "client", "deadline", "question", "answer", "example", "step", "first", "next",
    "then", "finally", "because", "should", "could", "would", "we", "you", "I", "can", "will",
    "need", "help", "with", "for", "and", "or", "but", "this", "that", "is", "are", "to", "of",
    "in", "on", "about", "more", "less", "quick", "simple", "better", "focus", "study", "read",
    "write", "call", "update", "check", "fix", "build", "learn", "share", "today", "tomorrow",
];

pub const TOPICS: &[&str] = &[
    "Trip to Jeju",
    "Quarterly report",
    "Python help",
    "Recipe ideas",
    "Workout plan",
    "Email to landlord",
    "SQL question",
    "Birthday gift",
    "Book summary",
    "Job interview prep",
    "Garden planning",
    "Budget spreadsheet",
    "Learning Korean",
    "Move checklist",
    "Bug in login page",
];

pub const TASK_TAGS: &[&str] = &[
    "work", "personal", "urgent", "home", "errands", "health", "finance", "study", "shopping",
    "travel",
];

/// Agent names and icons (assistant messages by the assistant), each within its column width.
pub const AGENTS: &[(&str, &str)] = &[
    ("planner", "🗓"),
    ("researcher", "🔎"),
    ("coder", "💻"),
    ("writer", "✍"),
];

pub const FIRST_NAMES: &[&str] = &[
    "Minji",
    "Jisoo",
    "Hyun",
    "Seo-yeon",
    "Ji-ho",
    "Alex",
    "Sam",
    "Taylor",
    "Jordan",
    "Yuna",
    "Dong-hyun",
    "Eun-ji",
    "Chris",
    "Robin",
    "Kai",
    "Mina",
];

pub const ROOM_WORDS: &[&str] = &[
    "Deep Work",
    "Morning",
    "Late Night",
    "Exam Prep",
    "Coding",
    "Reading",
    "Writing",
    "Silent",
    "Pomodoro",
    "Study With Me",
    "Thesis",
    "Language",
];

pub const CATEGORIES: &[&str] = &["free", "study", "tips", "question", "review", "notice"];

/// Appends words to `buf` until it holds between `min` and `max` characters (ASCII words).
pub fn sentence(rng: &mut Rng, buf: &mut String, min: usize, max: usize) {
    let target = rng.range(min as i64, max as i64) as usize;
    let start = buf.len();
    let mut first = true;
    while buf.len() - start < target {
        let w = rng.pick(WORDS);
        if buf.len() - start + w.len() + 1 > max {
            break;
        }
        if buf.len() > start {
            buf.push(' ');
        }
        if first {
            let mut c = w.chars();
            if let Some(f) = c.next() {
                buf.push(f.to_ascii_uppercase());
                buf.push_str(c.as_str());
            }
        } else {
            buf.push_str(w);
        }
        first = false;
        if rng.chance(0.08) && buf.len() - start + 2 < max {
            buf.push('.');
            first = true;
        }
    }
    if buf.len() == start {
        buf.push_str("Ok");
    }
}
