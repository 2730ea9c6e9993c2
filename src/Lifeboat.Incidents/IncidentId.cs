using Lifeboat.Platform;

namespace Lifeboat.Incidents;

/// <summary>An incident's ID (inc_…), parsed as strictly as the platform's IDs.</summary>
public readonly record struct IncidentId : ITypedId<IncidentId>
{
    /// <summary>The kind lives here, not in the platform's list: the platform knows nothing of incidents.</summary>
    public static readonly IdKind IncidentKind = new("inc", "incident", "an");

    private IncidentId(string value) => Value = value;

    public static IdKind Kind => IncidentKind;

    public string Value { get; }

    public static IncidentId FromValidated(string value) => new(value);

    public static IncidentId Parse(string? value) => TypedId.Parse<IncidentId>(value);

    public override string ToString() => Value;
}
