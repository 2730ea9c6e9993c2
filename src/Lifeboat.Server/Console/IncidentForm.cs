using Lifeboat.Incidents;

namespace Lifeboat.Server.Console;

/// <summary>The fields the incident pages' forms post; each form sends the ones its action takes.</summary>
public sealed class IncidentForm
{
    public string? Title { get; set; }

    public string? Type { get; set; }

    public string? Severity { get; set; }

    public string? Visibility { get; set; }

    public string? Phase { get; set; }

    public string? Note { get; set; }

    public string? Reason { get; set; }

    public string? Role { get; set; }

    public string? Person { get; set; }

    public bool Backup { get; set; }

    public long? Event { get; set; }

    public string? Text { get; set; }

    public RoleSlot Slot => Backup ? RoleSlot.Backup : RoleSlot.Holder;
}
