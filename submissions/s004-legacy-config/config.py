# config.py -- CS5260 Assignment 6: LeNet5 on MNIST with ColossalAI
#
# Grader fixture s004: a submission in the course's legacy format, with no submission.toml. The grader
# reads this file with `ast` as data and never executes or imports it (grader/legacy.py). It maps
#   BATCH_SIZE -> setup.batch_size, NUM_EPOCHS -> epochs, LEARNING_RATE -> lr, OPTIMIZER -> optimizer,
#   MOMENTUM -> momentum, WEIGHT_DECAY -> weight_decay, SEED -> seed, LR_SCHEDULER -> schedule
# into one training run named "config.py". Expected warnings: fp16 and clip_grad_norm are not re-run
# (the reference trains in fp32 without clipping), and LR_SCHEDULER is stepped per iteration as the
# course's LRSchedulerHook did, so milestones [15, 25] are optimizer steps 15 and 25, not epochs.
# No range test and no claimed figures: the config check should report the missing [[range_test]].

from colossalai.amp import AMP_TYPE

# ---- data / training
BATCH_SIZE = 128
NUM_EPOCHS = 30
SEED = 42

# ---- optimizer
OPTIMIZER = "sgd"
LEARNING_RATE = 0.05
MOMENTUM = 0.9
WEIGHT_DECAY = 5e-4

# ---- LR schedule (built by the LRSchedulerHook, stepped every iteration)
LR_SCHEDULER = dict(type="MultiStepLR", milestones=[15, 25], gamma=0.1)

# ---- ColossalAI engine settings
fp16 = dict(mode=AMP_TYPE.TORCH)
clip_grad_norm = 1.0
