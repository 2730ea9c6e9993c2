using Lifeboat.Platform.Access;

namespace Lifeboat.Incidents.Tests;

/// <summary>Through the hosts' desk, a role goes only to an operator whose roles allow what it does.</summary>
public sealed class RolePermissionTests(DeskFixture fixture) : IClassFixture<DeskFixture>
{
    [Fact]
    public async Task ARole_GoesOnlyToAnOperatorWhoCouldUseIt_ByAssignmentOrHandoff()
    {
        var operators = fixture.Platform.Platform.Operators;
        var suffix = Guid.NewGuid().ToString("n")[..8];
        var (commander, viewer, support, gone) = ($"ic-{suffix}", $"viewer-{suffix}", $"support-{suffix}", $"gone-{suffix}");
        await operators.CreateAsync(commander, "Erin", [Roles.IncidentCommander]);
        await operators.CreateAsync(viewer, "Vic", [Roles.Viewer]);
        await operators.CreateAsync(support, "Sam", [Roles.Support]);
        var disabled = await operators.CreateAsync(gone, "Gus", [Roles.IncidentCommander]);
        await operators.DisableAsync(disabled.Id, "left the company");
        var desk = fixture.Desk.WithRolePermissions();
        var incident = await fixture.DeclareAsync();

        (await fixture.RefusedAsync(() => desk.AssignAsync(incident.Id, IncidentRole.Commander, viewer))).ShouldBe(
            $"{viewer} cannot hold commander: the role needs the permission incidents.command, which their roles (viewer) do not grant. " +
            "Choose someone who has it, or have an admin grant a role with it. Nothing was changed.");
        (await fixture.RefusedAsync(() => desk.AssignAsync(incident.Id, IncidentRole.Scribe, "someone-made-up"))).ShouldStartWith(
            "someone-made-up is not an operator of this Lifeboat, so cannot hold scribe");
        (await fixture.RefusedAsync(() => desk.AssignAsync(incident.Id, IncidentRole.Commander, gone))).ShouldStartWith($"{gone}'s account is disabled");

        await desk.AssignAsync(incident.Id, IncidentRole.Commander, commander);
        await desk.AssignAsync(incident.Id, IncidentRole.SupportLead, support);
        await desk.AssignAsync(incident.Id, IncidentRole.Informed, viewer);
        (await fixture.RefusedAsync(() => desk.WithActor(commander).HandOffAsync(incident.Id, IncidentRole.Commander, support, "over to support")))
            .ShouldStartWith($"{support} cannot be handed commander: the role needs the permission incidents.command");

        // The library core itself gives roles to any name: the permission is the hosts' rule.
        await fixture.Desk.AssignAsync(incident.Id, IncidentRole.Scribe, "someone-made-up");
        (await fixture.Desk.RolesAsync(incident.Id)).Select(h => (h.Role, h.Person)).ShouldBe(
            [(IncidentRole.Commander, commander), (IncidentRole.SupportLead, support), (IncidentRole.Informed, viewer), (IncidentRole.Scribe, "someone-made-up")], ignoreOrder: true);
    }
}
