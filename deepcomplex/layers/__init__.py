"""deepcomplex.layers: reusable building blocks of models that are not single operations, as timm's ``layers/``
(see docs/ARCHITECTURE.md): Keras-style 'same' padding and the real ConvLSTM twin of the complex one."""
from .padding import KerasSamePad1d, same_length, valid_length
from .recurrent import ConvLSTM1d, ConvLSTMCell1d

__all__ = ["KerasSamePad1d", "same_length", "valid_length", "ConvLSTMCell1d", "ConvLSTM1d"]
