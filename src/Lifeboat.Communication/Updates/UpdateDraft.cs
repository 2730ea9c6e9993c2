namespace Lifeboat.Communication.Updates;

/// <summary>
/// What a person gives to draft an update. The phase is required; the figures are not given: Lifeboat computes them
/// when it drafts. <see cref="Message"/> is the author's own words (what happened, who is affected), without a phase label.
/// </summary>
public sealed record UpdateDraft
{
    public required UpdateAudience Audience { get; init; }

    public required UpdatePhase? Phase { get; init; }

    public string Message { get; init; } = "";

    /// <summary>The customer account, for a customer update (and only then).</summary>
    public string? Account { get; init; }

    /// <summary>A stream of the incident the update belongs to; null for the whole incident.</summary>
    public string? Stream { get; init; }

    /// <summary>The template's name; null: the audience's default (public, customer, internal).</summary>
    public string? Template { get; init; }

    /// <summary>The language; null: the environment's default.</summary>
    public string? Language { get; init; }

    /// <summary>The number of the published update this one corrects.</summary>
    public int? Corrects { get; init; }
}
