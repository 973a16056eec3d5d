-- The classroom widget ERD's SQL at v0.2 (document 003: "Table Definitions" and "성능 최적화
-- 인덱스", verbatim), as users applied it with psql. tests/adopt.rs applies it, then adopts it.
CREATE TABLE schools (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name VARCHAR(200) NOT NULL,
    created_at TIMESTAMP DEFAULT NOW()
);
CREATE TABLE classes (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    school_id UUID NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    grade VARCHAR(10) NOT NULL,
    name VARCHAR(100) NOT NULL,
    created_at TIMESTAMP DEFAULT NOW()
);
CREATE TABLE sessions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    class_id UUID NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    code CHAR(8) NOT NULL UNIQUE,
    started_at TIMESTAMP DEFAULT NOW(),
    ended_at TIMESTAMP,
    expires_at TIMESTAMP NOT NULL DEFAULT (NOW() + INTERVAL '30 minutes')
);
CREATE TABLE problems (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    class_id UUID REFERENCES classes(id) ON DELETE CASCADE,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    type VARCHAR(20) NOT NULL CHECK (type IN ('vocabulary', 'proverb', 'math')),
    difficulty INT NOT NULL CHECK (difficulty BETWEEN 1 AND 5),
    grade VARCHAR(10) NOT NULL,
    created_at TIMESTAMP DEFAULT NOW()
);
CREATE TABLE messages (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id UUID NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    nickname VARCHAR(20) NOT NULL,
    avatar_id INT NOT NULL CHECK (avatar_id BETWEEN 1 AND 64),
    content TEXT NOT NULL CHECK (LENGTH(content) BETWEEN 1 AND 200),
    created_at TIMESTAMP DEFAULT NOW(),
    moderated BOOLEAN DEFAULT FALSE
);
CREATE TABLE logs (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id UUID REFERENCES sessions(id) ON DELETE CASCADE,
    event_type VARCHAR(50) NOT NULL,
    payload JSONB NOT NULL DEFAULT '{}',
    timestamp TIMESTAMP DEFAULT NOW()
);
-- 세션 코드 조회 (가장 빈번한 쿼리)
-- QR 스캔 시마다 실행됨
CREATE UNIQUE INDEX idx_session_code_active 
ON sessions(code) WHERE ended_at IS NULL;

-- 메시지 조회 (세션별 최근 메시지)
-- WebSocket 연결 시 초기 로드
CREATE INDEX idx_messages_session_time 
ON messages(session_id, created_at DESC);

-- 문제 조회 (학년별, 난이도별)
-- 학습 카드 로테이션 시
CREATE INDEX idx_problems_grade_difficulty 
ON problems(grade, difficulty, type);
-- 클래스별 세션 조회
CREATE INDEX idx_sessions_class 
ON sessions(class_id, started_at DESC);

-- 세션 만료 확인 (cleanup job용)
CREATE INDEX idx_sessions_expires 
ON sessions(expires_at) WHERE ended_at IS NULL;

-- 로그 조회 (디버깅/분석용)
CREATE INDEX idx_logs_session_time 
ON logs(session_id, timestamp DESC);

-- 로그 이벤트 타입별 조회
CREATE INDEX idx_logs_event_type 
ON logs(event_type, timestamp DESC);
