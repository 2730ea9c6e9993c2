using Lifeboat.Retrospectives.Drafting;

namespace Lifeboat.Retrospectives;

public sealed record RetrospectiveOptions
{
    /// <summary>Figure groups other modules keep (support: tickets per channel, SLA breaches); none by default.</summary>
    public IReadOnlyList<IRetrospectiveFigureSource> FigureSources { get; init; } = [];
}
