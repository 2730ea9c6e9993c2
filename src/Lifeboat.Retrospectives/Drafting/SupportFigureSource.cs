using System.Globalization;
using Lifeboat.Incidents;
using Lifeboat.Support;

namespace Lifeboat.Retrospectives.Drafting;

/// <summary>
/// The support module's figures for a retrospective: the incident's tickets per channel (every escalation, whichever way it came
/// in) and the SLA breaches of those tickets, counted from the support schema. Registered by whoever opens the desk with a
/// support desk at hand (the server, the CLI): without it the two figures are "not tracked by this environment".
/// </summary>
public sealed class SupportFigureSource(SupportDesk support) : IRetrospectiveFigureSource
{
    public IReadOnlyList<string> Keys { get; } = [FigureKeys.TicketsPerChannel, FigureKeys.SlaBreaches];

    public async Task<IReadOnlyList<RetrospectiveFigure>> FiguresAsync(Incident incident, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(incident);
        var figures = await support.IncidentFiguresAsync(incident.Id, cancellationToken);
        if (figures.FirstTicketAt is not { } first || figures.LastChangeAt is not { } last)
        {
            const string why = "support recorded no confirmed ticket about this incident (no affected site, and no customer wrote about it)";
            return
            [
                new RetrospectiveFigure(FigureKeys.TicketsPerChannel, "Tickets per channel", FigureStatus.Measured, "no tickets", Why: why),
                new RetrospectiveFigure(FigureKeys.SlaBreaches, "SLA breaches", FigureStatus.Measured, "no breaches", Why: why),
            ];
        }

        var perChannel = string.Join("; ", figures.TicketsPerChannel.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key} {c.Value}")));
        var breaches = figures.Breaches == 0
            ? string.Create(CultureInfo.InvariantCulture, $"no breaches ({figures.Reminders} reminders)")
            : string.Create(CultureInfo.InvariantCulture,
                $"{figures.Breaches} ({string.Join("; ", figures.BreachesPerClock.Select(b => $"{b.Key} {b.Value}"))}), {figures.Reminders} reminders");
        return
        [
            new RetrospectiveFigure(FigureKeys.TicketsPerChannel, "Tickets per channel", FigureStatus.Measured,
                string.Create(CultureInfo.InvariantCulture, $"{perChannel} ({figures.Tickets} in all)"),
                From: first, FromWhat: "the first ticket about the incident", To: last, ToWhat: "the last change to one of them"),
            new RetrospectiveFigure(FigureKeys.SlaBreaches, "SLA breaches", FigureStatus.Measured, breaches,
                From: first, FromWhat: "the first ticket about the incident", To: last, ToWhat: "the last change to one of them"),
        ];
    }
}
