using Lifeboat.Incidents;

namespace Lifeboat.Communication.CustomerPages;

/// <summary>A capability link to one customer's page of one incident. <see cref="Token"/> is known only when it is issued.</summary>
public sealed record CustomerLink(IncidentId Incident, string Id, string Account, DateTimeOffset IssuedAt, string IssuedBy, DateTimeOffset ExpiresAt,
    DateTimeOffset? RevokedAt, string? RevokedBy)
{
    /// <summary>The secret part of the link (<c>/customers/{token}</c>); null once the link has been read back.</summary>
    public string? Token { get; init; }

    public bool ActiveAt(DateTimeOffset now) => RevokedAt is null && ExpiresAt > now;
}
