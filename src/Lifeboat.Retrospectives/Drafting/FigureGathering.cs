using System.Globalization;
using Lifeboat.Communication;
using Lifeboat.Communication.Figures;
using Lifeboat.Communication.Updates;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Platform.Detection;
using Lifeboat.Platform.Restores;
using Lifeboat.Retrospectives.Internal;

namespace Lifeboat.Retrospectives.Drafting;

/// <summary>
/// Computes the draft's figures from what the modules recorded: the alert (first damage, detection), the declaration, the
/// published updates and the mail log (communication), the restore jobs' sites and their validation (platform), each site's
/// data loss as the updates are bound to it. Each figure names the two instants it was measured between; a figure whose
/// facts are missing is "unknown" with why. Nothing is typed by a person.
/// </summary>
internal sealed class FigureGathering(RetroContext context, LifeboatPlatform platform, CommunicationDesk comms, RetrospectiveOptions options)
{
    public async Task<GatheredFigures> GatherAsync(Incident incident, CancellationToken ct)
    {
        var alert = incident.Alert is { } id ? (await platform.Detector.AlertsAsync(cancellationToken: ct)).FirstOrDefault(a => a.Id == id) : null;
        var figures = new List<RetrospectiveFigure>();
        figures.AddRange(Detection(incident, alert));

        // Communication is measured from detection when the product detected it, else from the declaration.
        var (start, startWhat) = alert is not null ? (alert.DetectedAt, $"detection (alert {alert.Id})") : (incident.DeclaredAt, "declaration");
        var updates = (await comms.UpdatesAsync(incident.Id, publishedOnly: true, ct)).OrderBy(u => u.PublishedAt).ToList();
        figures.Add(FirstUpdate(updates, UpdateAudience.Internal, FigureKeys.FirstInternalUpdate, "Time to the first internal update", start, startWhat));
        figures.Add(FirstUpdate(updates, UpdateAudience.Public, FigureKeys.FirstPublicUpdate, "Time to the first public update", start, startWhat));

        var recovery = await comms.FiguresAsync(incident.Id, ct);
        var accounts = await platform.Accounts.AccountsOfSitesAsync(recovery.Sites.Select(s => s.Site), ct);
        figures.Add(await EveryCustomerNotifiedAsync(incident, recovery, accounts, start, startWhat, ct));

        var (restoreFrom, restoreFromWhat) = alert is not null ? (alert.FirstStamp, "the first damage") : (incident.DeclaredAt, "declaration (no alert recorded the first damage)");
        figures.AddRange(await RestoredAsync(recovery, restoreFrom, restoreFromWhat, ct));
        figures.Add(await UpdatesPerAudienceAsync(incident, updates, ct));
        figures.AddRange(await OtherModulesAsync(incident, ct));
        return new GatheredFigures(figures, DataLoss(recovery, accounts), recovery.SitesAffected);
    }

    private static IEnumerable<RetrospectiveFigure> Detection(Incident incident, Alert? alert)
    {
        if (alert is null)
        {
            var why = incident.Alert is { } missing
                ? $"alert {missing} is not among the detector's 200 newest alerts, so its first damage and detection cannot be read"
                : "no alert is linked to the incident: a person declared it, and Lifeboat recorded neither the first damage nor its detection";
            yield return RetrospectiveFigure.UnknownBecause(FigureKeys.TimeToDetect, "Time to detect", why);
            yield return RetrospectiveFigure.UnknownBecause(FigureKeys.TimeToDeclare, "Time to declare", why);
            yield break;
        }

        yield return RetrospectiveFigure.Between(FigureKeys.TimeToDetect, "Time to detect", alert.FirstStamp, "the first damage (first destructive write of the burst)", alert.DetectedAt, $"detection (alert {alert.Id})");
        yield return RetrospectiveFigure.Between(FigureKeys.TimeToDeclare, "Time to declare", alert.DetectedAt, $"detection (alert {alert.Id})", incident.DeclaredAt, $"declaration by {incident.DeclaredBy}");
    }

    private static RetrospectiveFigure FirstUpdate(IReadOnlyList<IncidentUpdate> published, UpdateAudience audience, string key, string name, DateTimeOffset start, string startWhat)
    {
        var first = published.FirstOrDefault(u => u.Audience == audience);
        return first?.PublishedAt is { } at
            ? RetrospectiveFigure.Between(key, name, start, startWhat, at, $"update {first.Number} published by {first.PublishedBy}")
            : RetrospectiveFigure.UnknownBecause(key, name, $"no {audience.ToString().ToLowerInvariant()} update of the incident was published");
    }

    private async Task<RetrospectiveFigure> EveryCustomerNotifiedAsync(Incident incident, RecoveryFigures recovery, IReadOnlyDictionary<SiteId, Platform.Accounts.CustomerAccount> accounts,
        DateTimeOffset start, string startWhat, CancellationToken ct)
    {
        const string Name = "Time to every affected customer notified";
        var affected = recovery.Sites.Select(s => accounts.TryGetValue(s.Site, out var a) ? a.Id.Value : null).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        if (affected.Count == 0)
        {
            return RetrospectiveFigure.UnknownBecause(FigureKeys.EveryCustomerNotified, Name, "no affected site belongs to a customer account, so there is no customer to count");
        }

        // The mail log: each account's first message that went out (sent, or sent and bounced later) about this incident.
        await using var cmd = context.Command("""
            SELECT account_id, min(sent_at) FROM comms.messages
            WHERE incident_id = $1 AND purpose = 'update' AND sent_at IS NOT NULL AND account_id IS NOT NULL
            GROUP BY account_id
            """);
        cmd.Parameters.Add(RetroContext.Text(incident.Id.Value));
        var firstSent = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                firstSent[reader.GetString(0)] = reader.GetFieldValue<DateTimeOffset>(1);
            }
        }

        var never = affected.Where(a => !firstSent.ContainsKey(a)).Order(StringComparer.Ordinal).ToList();
        if (never.Count > 0)
        {
            return RetrospectiveFigure.UnknownBecause(FigureKeys.EveryCustomerNotified, Name,
                $"{never.Count} of {affected.Count} affected customer accounts never had a message sent about this incident ({string.Join(", ", never.Take(5))}{(never.Count > 5 ? ", …" : "")})");
        }

        var last = affected.MaxBy(a => firstSent[a])!;
        return RetrospectiveFigure.Between(FigureKeys.EveryCustomerNotified, Name, start, startWhat, firstSent[last], $"the first message sent to the last account reached ({last}), {affected.Count} accounts in all");
    }

    private async Task<IEnumerable<RetrospectiveFigure>> RestoredAsync(RecoveryFigures recovery, DateTimeOffset from, string fromWhat, CancellationToken ct)
    {
        const string Name = "Time to every site restored and validated";
        var sites = recovery.Sites.Select(s => s.Site).ToList();
        if (sites.Count == 0)
        {
            const string Why = "the incident names no site";
            return [RetrospectiveFigure.UnknownBecause(FigureKeys.EverySiteRestored, Name, Why), RetrospectiveFigure.Count(FigureKeys.SitesRestored, "Sites restored and validated", "0 of 0")];
        }

        var latest = await platform.Restores.LatestForSitesAsync(sites, ct);
        var back = latest.Where(s => s.State == SiteRestoreState.Restored && s.ValidationPassed == true && s.FinishedAt is not null).ToList();
        var count = RetrospectiveFigure.Count(FigureKeys.SitesRestored, "Sites restored and validated", string.Create(CultureInfo.InvariantCulture, $"{back.Count} of {sites.Count}"));
        if (back.Count < sites.Count)
        {
            var notBack = sites.Except(back.Select(b => b.Site)).Take(5).Select(s => s.Value);
            return [RetrospectiveFigure.UnknownBecause(FigureKeys.EverySiteRestored, Name,
                $"{sites.Count - back.Count} of {sites.Count} sites are not restored with their validation passed ({string.Join(", ", notBack)}{(sites.Count - back.Count > 5 ? ", …" : "")})"), count];
        }

        var last = back.MaxBy(b => b.FinishedAt)!;
        return [RetrospectiveFigure.Between(FigureKeys.EverySiteRestored, Name, from, fromWhat, last.FinishedAt!.Value, $"the last site validated ({last.Site}, job {last.Job})"), count];
    }

    private async Task<RetrospectiveFigure> UpdatesPerAudienceAsync(Incident incident, IReadOnlyList<IncidentUpdate> published, CancellationToken ct)
    {
        await using var cmd = context.Command("""
            SELECT u.audience, count(*) FROM comms.messages m
            JOIN comms.updates u ON u.incident_id = m.incident_id AND u.update_number = m.update_number
            WHERE m.incident_id = $1 AND m.purpose = 'update' AND m.sent_at IS NOT NULL
            GROUP BY u.audience
            """);
        cmd.Parameters.Add(RetroContext.Text(incident.Id.Value));
        var mails = new Dictionary<string, long>(StringComparer.Ordinal);
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                mails[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        var parts = Enum.GetValues<UpdateAudience>().Select(a =>
        {
            var word = a.ToString().ToLowerInvariant();
            var ofAudience = published.Where(u => u.Audience == a).ToList();
            var accounts = a == UpdateAudience.Customer ? $" to {ofAudience.Select(u => u.Account).Distinct(StringComparer.Ordinal).Count()} accounts" : "";
            var mailed = mails.TryGetValue(word, out var n) ? $", {n} e-mails sent" : "";
            return string.Create(CultureInfo.InvariantCulture, $"{word} {ofAudience.Count}{accounts}{mailed}");
        });
        return RetrospectiveFigure.Count(FigureKeys.UpdatesPerAudience, "Updates published per audience", string.Join("; ", parts));
    }

    private async Task<IEnumerable<RetrospectiveFigure>> OtherModulesAsync(Incident incident, CancellationToken ct)
    {
        var figures = new List<RetrospectiveFigure>();
        foreach (var source in options.FigureSources)
        {
            figures.AddRange(await source.FiguresAsync(incident, ct));
        }

        foreach (var (key, name) in FigureKeys.FromOtherModules.Where(k => !options.FigureSources.Any(s => s.Keys.Contains(k.Key, StringComparer.Ordinal))))
        {
            figures.Add(new RetrospectiveFigure(key, name, FigureStatus.NotTracked, "not tracked by this environment",
                Why: "no module that keeps support tickets is registered with the retrospectives desk, so Lifeboat has no record to count"));
        }

        return figures;
    }

    private static List<CustomerDataLoss> DataLoss(RecoveryFigures recovery, IReadOnlyDictionary<SiteId, Platform.Accounts.CustomerAccount> accounts) =>
        [.. recovery.Sites
            .GroupBy(s => accounts.TryGetValue(s.Site, out var a) ? a.Id.Value : "site:" + s.Site.Value, StringComparer.Ordinal)
            .Select(g =>
            {
                var account = accounts.TryGetValue(g.First().Site, out var a) ? a : null;
                var weakest = g.MaxBy(s => s.Loss.Confidence)!;
                var loss = weakest.Loss.Confidence switch
                {
                    Confidence.Verified => "verified none",
                    Confidence.Estimated => "estimated window",
                    _ => "unknown",
                };
                var lostAfter = g.Where(s => s.Loss.LostAfter is not null).Select(s => s.Loss.LostAfter).Min();
                return new CustomerDataLoss(account?.Id.Value, account?.Name ?? $"{g.First().Name ?? g.First().Site.Value} (no customer account)", g.Count(), loss,
                    weakest.Loss.Confidence == Confidence.Estimated ? lostAfter : null, weakest.Loss.Cause);
            })
            .OrderByDescending(l => l.Loss == "unknown").ThenByDescending(l => l.Loss == "estimated window").ThenBy(l => l.Customer, StringComparer.Ordinal)];
}

/// <summary>The draft's figures, the data loss per customer, and how many sites the incident affected (a drill is compared per site).</summary>
internal sealed record GatheredFigures(IReadOnlyList<RetrospectiveFigure> Figures, IReadOnlyList<CustomerDataLoss> Loss, int SitesAffected)
{
    public RetrospectiveFigure Get(string key) => Figures.Single(f => f.Key == key);
}
