using System.Linq;
using Rig.Experiment.Tasks;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Tasks;

public sealed class TrialPlanTests
{
    private static TaskProtocol Load(string name) => ProtocolLoader.Load(RepositoryRoot.Combine("protocols", name + ".json"));

    [Fact]
    public void The_same_seed_gives_the_same_plan_and_another_seed_another()
    {
        var protocol = Load("probe-test");
        Assert.Equal(TrialPlan.Create(protocol), TrialPlan.Create(protocol));
        Assert.NotEqual(TrialPlan.Create(protocol), TrialPlan.Create(protocol with { Sequence = protocol.Sequence with { Seed = 99 } }));
    }

    [Fact]
    public void Blocks_hold_the_proportions_exactly_in_every_block()
    {
        var protocol = Load("grating-control");
        var plan = TrialPlan.Create(protocol);
        Assert.Equal(500, plan.Count);
        foreach (var block in plan.Chunk(10))
        {
            Assert.Equal(5, block.Count(t => t.Wall == "grating1"));
            Assert.Equal(5, block.Count(t => t.Wall == "grating2"));
        }
    }

    [Fact]
    public void Probes_come_at_the_probe_fraction_unrewarded_and_cues_fall_in_their_range()
    {
        var protocol = Load("probe-test");
        var plan = TrialPlan.Create(protocol);
        double probes = plan.Count(t => t.Probe) / (double)plan.Count;
        Assert.InRange(probes, 0.15, 0.25);
        Assert.All(plan.Where(t => t.Probe), t => Assert.True(t.Wall is "leaf2" or "circle2" && !t.Rewarded));
        Assert.All(plan.Where(t => !t.Probe), t => Assert.Equal(t.Wall == "leaf1", t.Rewarded));
        Assert.All(plan, t => Assert.InRange(t.CueDm!.Value, 5, 35));
        Assert.All(plan, t => Assert.Null(t.ZoneStartDm));
    }

    [Fact]
    public void Reward_zone_starts_are_drawn_in_their_range_without_a_cue()
    {
        var plan = TrialPlan.Create(Load("reward-zone-behaviour"));
        Assert.All(plan, t => Assert.InRange(t.ZoneStartDm!.Value, 20, 30));
        Assert.All(plan, t => Assert.Null(t.CueDm));
        Assert.InRange(plan.Count(t => t.Wall == "leaf1") / (double)plan.Count, 0.4, 0.6);
    }
}
