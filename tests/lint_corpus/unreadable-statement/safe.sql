COMMENT ON TABLE rooms IS 'chat rooms';
