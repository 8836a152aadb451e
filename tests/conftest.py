import pytest
import torch

from reference.data import load_data


@pytest.fixture(scope="session")
def mnist5k():
    """The embedded default, loaded once for the whole session."""
    return load_data("mnist-5k", torch.device("cpu"))
