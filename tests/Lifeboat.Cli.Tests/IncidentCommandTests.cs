using System.Text.Json;
using System.Text.RegularExpressions;
using Lifeboat.Incidents;
using Lifeboat.Platform.Access;

namespace Lifeboat.Cli.Tests;

/// <summary>`lifeboat incident …` on the database, as the people of an incident use it, each with their own credential.</summary>
public sealed partial class IncidentCommandTests(CliFixture cli) : IClassFixture<CliFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact(Timeout = 180_000)]
    public async Task AnIncident_IsDeclaredCommandedAndHandedOver_AndRefusalsNameWhy_AndChangeNothing()
    {
        var suffix = Guid.NewGuid().ToString("n")[..6];
        var (rival, receiver, viewer) = ($"rival-{suffix}", $"recv-{suffix}", $"viewer-{suffix}");
        await cli.TokenFileAsync(rival, [Roles.IncidentCommander]);
        await cli.TokenFileAsync(receiver, [Roles.IncidentCommander]);

        var (declareExit, declared) = await cli.RunAsync("incident", "declare", "--title", $"Sites lost their apps {suffix}", "--type", "mass-deletion", "--severity", "SEV2");
        declareExit.ShouldBe(0, declared);
        var id = IncidentIdPattern().Match(declared).Value;
        declared.ShouldContain($"Declared incident {id}: SEV2 mass-deletion (restricted), phase investigating, by {CliFixture.OsUser}.");

        var (assignExit, assigned) = await cli.RunAsync("incident", "assign", id, "commander", CliFixture.OsUser);
        assignExit.ShouldBe(0, assigned);
        assigned.ShouldContain($"{CliFixture.OsUser} is the commander of incident {id}.");

        // A second commander: refused naming who holds it, and nothing changes.
        var before = await StateAsync(id);
        var (rivalExit, refused) = await cli.RunAsAsync(rival, "incident", "assign", id, "commander", rival);
        rivalExit.ShouldBe(2, refused);
        refused.ShouldContain($"{CliFixture.OsUser} is the commander of incident {id}");
        refused.ShouldContain("there is one commander at a time");
        (await StateAsync(id)).ShouldBe(before);

        // A phase skipped: refused naming the skipped phase.
        var (skipExit, skipped) = await cli.RunAsync("incident", "phase", id, "restoring");
        skipExit.ShouldBe(2, skipped);
        skipped.ShouldContain("that skips identified");
        (await StateAsync(id)).ShouldBe(before);

        // Words that are none: each says the allowed ones.
        var (roleExit, badRole) = await cli.RunAsync("incident", "assign", id, "captain", "dana");
        roleExit.ShouldBe(2, badRole);
        badRole.ShouldContain("'captain' is not a role: give one of commander, approver, contributor, informed, scribe, communications-lead, support-lead");
        var (phaseExit, badPhase) = await cli.RunAsync("incident", "phase", id, "done");
        phaseExit.ShouldBe(2, badPhase);
        badPhase.ShouldContain("'done' is not a phase: give one of investigating, identified, restoring, monitoring, resolved, closed");
        var (severityExit, badSeverity) = await cli.RunAsync("incident", "severity", id, "SEV9");
        severityExit.ShouldBe(2, badSeverity);
        badSeverity.ShouldContain("give 1, 2, 3 or 4, or \"SEV1\"");
        (await StateAsync(id)).ShouldBe(before);

        // Someone without incidents.command: refused as any other command is, naming the permission.
        var (viewerExit, denied) = await cli.RunAsWithRolesAsync(viewer, [Roles.Viewer], "incident", "phase", id, "identified");
        viewerExit.ShouldBe(4, denied);
        denied.ShouldContain("lacks the permission incidents.command");
        (await StateAsync(id)).ShouldBe(before);

        var (moveExit, moved) = await cli.RunAsync("incident", "phase", id, "identified", "--note", "the cleanup plan removed the apps");
        moveExit.ShouldBe(0, moved);
        moved.ShouldContain($"Incident {id} is now identified.");

        var (handExit, handed) = await cli.RunAsync("incident", "handoff", id, "commander", receiver, "--note", "restore job queued; watch the apps come back");
        handExit.ShouldBe(0, handed);
        var handoff = HandoffPattern().Match(handed).Groups[1].Value;
        handed.ShouldContain($"from {CliFixture.OsUser} to {receiver} is written");
        (await cli.RunAsync("incident", "show", id)).Output.ShouldContain("Pending handoffs");

        // Only the receiver acknowledges.
        var beforeAck = await StateAsync(id);
        var (selfAckExit, selfAck) = await cli.RunAsAsync(rival, "incident", "ack", id, handoff);
        selfAckExit.ShouldBe(2, selfAck);
        (await StateAsync(id)).ShouldBe(beforeAck);
        var (ackExit, acked) = await cli.RunAsAsync(receiver, "incident", "ack", id, handoff);
        ackExit.ShouldBe(0, acked);
        acked.ShouldContain($"{receiver} acknowledged handoff {handoff}");

        var (timelineExit, timeline) = await cli.RunAsync("incident", "timeline", id);
        timelineExit.ShouldBe(0, timeline);
        timeline.ShouldContain($"{CliFixture.OsUser} handed commander to {receiver} (handoff {handoff}");
        timeline.ShouldContain($"{receiver} acknowledged handoff {handoff}");
        timeline.IndexOf("acknowledged handoff", StringComparison.Ordinal).ShouldBeLessThan(timeline.IndexOf("phase investigating → identified", StringComparison.Ordinal), "newest first");
        timeline.ShouldContain("cli");

        var (showExit, shown) = await cli.RunAsync("incident", "show", id);
        showExit.ShouldBe(0, shown);
        shown.ShouldContain("identified");
        shown.ShouldMatch($@"commander\s*│\s*holder\s*│\s*{Regex.Escape(receiver)}");
        shown.ShouldContain("No one holds: backup commander, communications-lead, backup communications-lead, scribe, backup scribe.");
        shown.ShouldNotContain("Pending handoffs");

        var (listExit, listed) = await cli.RunAsync("incident", "list");
        listExit.ShouldBe(0, listed);
        listed.ShouldMatch($@"{id}\s*│\s*SEV2\s*│\s*identified\s*│\s*{Regex.Escape(receiver)}");
        var (jsonExit, json) = await cli.RunAsync("incident", "list", "--json", "--severity", "2");
        jsonExit.ShouldBe(0, json);
        JsonDocument.Parse(json).RootElement.EnumerateArray().ShouldContain(e => e.GetProperty("incident").GetProperty("id").GetString() == id
            && e.GetProperty("commander").GetString() == receiver);
    }

    /// <summary>The incident, its roles, handoffs and timeline as the desk reads them: equal before and after means nothing changed.</summary>
    private async Task<string> StateAsync(string incident)
    {
        await using var desk = await IncidentDesk.OpenAsync(cli.Platform, Ct);
        var id = IncidentId.Parse(incident);
        return JsonSerializer.Serialize(new
        {
            incident = await desk.GetAsync(id, Ct),
            roles = await desk.RoleHistoryAsync(id, Ct),
            handoffs = await desk.PendingHandoffsAsync(id, Ct),
            timeline = await desk.TimelineAsync(id, 1000, cancellationToken: Ct),
        });
    }

    [GeneratedRegex("inc_[0-9a-z]+")]
    private static partial Regex IncidentIdPattern();

    [GeneratedRegex(@"Handoff (\d+) of")]
    private static partial Regex HandoffPattern();
}
