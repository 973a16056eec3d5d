SECURITY LABEL FOR selinux ON TABLE rooms IS 'system_u:object_r:sepgsql_table_t:s0';
