"""The model zoo: a registry of factories and torchvision's image classifiers, built only from Lucid's public API.

``create_model(name, **kwargs)`` builds a registered model, ``list_models(pattern)``
lists names and ``get_model_info(name)`` tells its parameter count, input size and
paper without building it. Every factory is also a plain function
(``lucid.models.resnet18()``). Module paths and ``state_dict`` keys are
torchvision's, so a torchvision checkpoint converted to safetensors loads by name.
Also sequence models (``LSTMLanguageModel``); Hugging Face's ``GPT2LMHeadModel`` and ``BertModel``,
whose ``from_pretrained(directory)`` reads a Hugging Face checkpoint directory; generative models
(``VAE``, ``DCGANGenerator``, ``DCGANDiscriminator``), ``UNet``, and ``freeze``/``unfreeze`` for transfer learning.
"""

from lucid.models import (
           _registry,
           _weights,
           bert,
           cnn,
           convnext,
           dcgan,
           densenet,
           efficientnet,
           lstm_lm,
           mlp,
           mobilenetv2,
           mobilenetv3,
           resnet,
           swin_transformer,
           transfer,
           vgg,
           vision_transformer,
)
from lucid.models import alexnet as _alexnet
from lucid.models import unet as _unet
from lucid.models import vae as _vae
from lucid.models._registry import *
from lucid.models._weights import *
from lucid.models.alexnet import *
from lucid.models.bert import *
from lucid.models.cnn import *
from lucid.models.convnext import *
from lucid.models.dcgan import *
from lucid.models.densenet import *
from lucid.models.efficientnet import *
from lucid.models.gpt import GPT, GPTConfig, gpt2
from lucid.models.gpt2_hf import GPT2Config, GPT2LMHeadModel
from lucid.models.lstm_lm import *
from lucid.models.mlp import *
from lucid.models.mobilenetv2 import *
from lucid.models.mobilenetv3 import *
from lucid.models.resnet import *
from lucid.models.swin_transformer import *
from lucid.models.text_classifier import TransformerClassifier
from lucid.models.transfer import *
from lucid.models.unet import *
from lucid.models.vae import *
from lucid.models.vgg import *
from lucid.models.vision_transformer import *

__all__ = [*_registry.__all__, *_weights.__all__, *mlp.__all__,
           *cnn.__all__, *_alexnet.__all__, *vgg.__all__, *resnet.__all__,
           *mobilenetv2.__all__, *mobilenetv3.__all__, *efficientnet.__all__, *convnext.__all__, *densenet.__all__,
           *vision_transformer.__all__, *swin_transformer.__all__, *lstm_lm.__all__, "GPT", "GPTConfig", "gpt2",
           "TransformerClassifier", *bert.__all__, "GPT2Config", "GPT2LMHeadModel", *_vae.__all__, *dcgan.__all__,
           *_unet.__all__, *transfer.__all__]
