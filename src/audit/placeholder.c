int keel_audit_placeholder_(void);
int keel_audit_placeholder_(void)
{
    return 0;
}
