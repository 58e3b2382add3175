namespace Introserv.Identity.Data;

// The fixed ids of the roles seeded with the schema.
public static class RoleIds
{
    public static readonly Guid CustomerRoleId = new("0197a9d0-0000-7000-8000-000000000001");
    public static readonly Guid StaffRoleId = new("0197a9d0-0000-7000-8000-000000000002");
}
