"""How a run is simulated: paths, blocks, horizon, the scenario generator's model file and its
steps."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..params import Rate, Source, Strict


class Simulation(Strict):
    """How a Monte Carlo run is cut and seeded. The block size fixes each block's random
    stream: it must never follow the number of threads or workers."""

    source: Source
    block_size: int = Field(ge=1, le=1_000_000)
    horizon_years: int = Field(ge=1, le=40)
    seed: int = Field(ge=0, le=2**63 - 1, description="the random streams' root seed, as the "
                      "--seed option takes it (a 64-bit signed integer, what a results file "
                      "stores)")
    paths: int = Field(ge=1)
    high_inflation: Rate = Field(description="KPIF, yearly average, at or above which a year "
                                 "counts as high inflation in the summary")
    return_centre: Literal["plan", "market"] = Field(
        description="plan: each fund's expected return is the plan's expected_return; market: "
                    "the generator's own expectation")
    centre_paths: int = Field(ge=100, le=1_000_000, description="pilot paths that centre the "
                              "funds' returns on the plan")
    parameter_uncertainty: bool = Field(
        False, description="draw the model's estimated parameters once per block of paths from "
        "their estimated sampling law (sim.esg.uncertainty), so the result carries what the "
        "history leaves uncertain about them")
    antithetic: bool = Field(
        False, description="antithetic pairs: every second path is the one before with its "
        "Gaussian innovations negated (variance reduction; standard errors then from the "
        "spread between the independent pairs)")
    min_equity_steps: int = Field(
        1, ge=1, le=31, description="equity steps a month at least: the generator runs on the "
        "least common multiple of this, the model's steps and every fund's review frequency "
        "(sim strategy sets it so rules that review at different frequencies share their "
        "random numbers)")
